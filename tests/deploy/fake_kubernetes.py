"""A fake Kubernetes API server on 127.0.0.1 for the tests (no cluster exists on this machine, none may be made).

It stores objects by their REST path and answers the calls `deploy/targets/kubernetes/apply.py` makes the way
the real API server does, in JSON: create (201, 409 AlreadyExists, 404 for a missing namespace), get, list with a
label selector, replace (resourceVersion checked; a Service's clusterIP immutable and required; a Deployment's
generation bumped when its spec changes), delete (pods of a deleted Deployment go too), pod logs as text, bearer
token auth (401) and refusals a test asks for (403). It is not a controller: with `controller=True` a
Deployment's status says its rollout is complete as soon as it is written; tests that need another state set it.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import re
import threading
from datetime import datetime, timezone
from pathlib import Path

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

KINDS = {"pods": "Pod", "services": "Service", "secrets": "Secret", "deployments": "Deployment",
         "horizontalpodautoscalers": "HorizontalPodAutoscaler"}
PATH = re.compile(r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+)/(?P<version>[^/]+))/namespaces/(?P<ns>[^/]+)/"
                  r"(?P<plural>[^/]+)(?:/(?P<name>[^/]+))?(?P<log>/log)?/?$")


class FakeKubernetes:
    def __init__(self, token: str = "test-token", namespaces=("default", "ml")):
        self.token = token
        self.namespaces = set(namespaces)
        self.collections: dict[str, dict[str, dict]] = {}  # "/apis/apps/v1/namespaces/ml/deployments" → name → object
        self.logs: dict[tuple[str, str], str] = {}  # (namespace, pod) → log text
        self.refuse: dict[tuple[str, str], int] = {}  # (HTTP method, plural) → status to answer (403 …)
        self.controller = True
        self.calls: list[tuple[str, str]] = []
        self._versions = itertools.count(1)
        self._ips = itertools.count(10)
        self._lock = threading.Lock()
        self._server = None

    # -- running -----------------------------------------------------------------------------------------
    def start(self) -> "FakeKubernetes":
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True, request_handler=_QuietHandler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def write_kubeconfig(self, path: Path, context: str = "fake", namespace: str = "ml", token: str | None = None,
                         server: str | None = None) -> Path:
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": context, "preferences": {},
            "clusters": [{"name": "fake-cluster", "cluster": {"server": server or self.url}}],
            "users": [{"name": "tester", "user": {"token": token or self.token}}],
            "contexts": [{"name": context, "context": {"cluster": "fake-cluster", "user": "tester",
                                                         "namespace": namespace}}],
        }))
        return path

    # -- what tests look at and set ------------------------------------------------------------------------
    def get(self, plural: str, name: str, namespace: str = "ml"):
        return copy.deepcopy(self.collections.get(_collection(plural, namespace), {}).get(name))

    def names(self, plural: str, namespace: str = "ml") -> list[str]:
        return sorted(self.collections.get(_collection(plural, namespace), {}))

    def set_status(self, plural: str, name: str, status: dict, namespace: str = "ml") -> None:
        with self._lock:
            self.collections[_collection(plural, namespace)][name]["status"] = status

    def set_spec(self, plural: str, name: str, field: str, value, namespace: str = "ml") -> None:
        """What a controller (the autoscaler) would change on a live object."""
        with self._lock:
            self.collections[_collection(plural, namespace)][name]["spec"][field] = value

    def add_pod(self, name: str, labels: dict, status: dict | None = None, log: str | None = None,
                namespace: str = "ml") -> None:
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": name, "namespace": namespace, "labels": labels, "uid": f"uid-{name}",
                            "resourceVersion": str(next(self._versions))},
               "spec": {"containers": [{"name": "score", "image": "x"}]},
               "status": status or {"phase": "Running"}}
        with self._lock:
            self.collections.setdefault(_collection("pods", namespace), {})[name] = pod
        if log is not None:
            self.logs[(namespace, name)] = log

    # -- the API -----------------------------------------------------------------------------------------------
    @Request.application
    def _app(self, request: Request) -> Response:
        self.calls.append((request.method, request.path))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _status(401, "Unauthorized", "Unauthorized")
        if request.path.rstrip("/") == "/version":
            return _json(200, {"major": "1", "minor": "30", "gitVersion": "v1.30.0-fake", "gitCommit": "0" * 40,
                               "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.22",
                               "compiler": "gc", "platform": "linux/amd64"})
        match = PATH.match(request.path)
        if not match or match["plural"] not in KINDS:
            return _status(404, "NotFound", f"the server could not find the requested resource ({request.path})")
        ns, plural, name = match["ns"], match["plural"], match["name"]
        group = match["group"] or ""
        refused = self.refuse.get((request.method, plural))
        if refused:
            verb = {"POST": "create", "PUT": "update", "DELETE": "delete", "GET": "get"}[request.method]
            return _status(refused, "Forbidden", f'{plural}{"." + group if group else ""} is forbidden: User "tester" '
                                                 f'cannot {verb} resource "{plural}" in API group "{group}" in the '
                                                 f'namespace "{ns}"')
        if ns not in self.namespaces:
            return _status(404, "NotFound", f'namespaces "{ns}" not found')
        collection = _collection(plural, ns, group, match["version"])
        with self._lock:
            stored = self.collections.setdefault(collection, {})
            if match["log"]:
                return self._log(ns, name, request)
            if request.method == "GET" and name is None:
                return _json(200, {"kind": f"{KINDS[plural]}List", "apiVersion": _api_version(group, match["version"]),
                                   "metadata": {"resourceVersion": str(next(self._versions))},
                                   "items": [copy.deepcopy(obj) for obj in stored.values()
                                             if _selected(obj, request.args.get("labelSelector"))]})
            if request.method == "POST" and name is None:
                return self._create(stored, plural, ns, json.loads(request.get_data()))
            if name is None:
                return _status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
            if name not in stored:
                return _status(404, "NotFound", f'{plural}{"." + group if group else ""} "{name}" not found')
            if request.method == "GET":
                return _json(200, stored[name])
            if request.method == "PUT":
                return self._replace(stored, plural, name, json.loads(request.get_data()))
            if request.method == "DELETE":
                obj = stored.pop(name)
                if plural == "deployments":  # the garbage collector takes its pods
                    pods = self.collections.get(_collection("pods", ns), {})
                    for pod in [p for p, value in pods.items()
                                if _selected(value, _selector(obj["spec"]["selector"]["matchLabels"]))]:
                        pods.pop(pod)
                if plural == "services":  # as the real server: a deleted Service comes back as itself
                    return _json(200, obj)
                return _json(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                   "details": {"name": name, "kind": plural, "uid": obj["metadata"]["uid"]}})
        return _status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")

    def _create(self, stored: dict, plural: str, ns: str, body: dict) -> Response:
        name = body["metadata"]["name"]
        if name in stored:
            return _status(409, "AlreadyExists", f'{plural} "{name}" already exists')
        body["metadata"].update(namespace=ns, uid=f"uid-{name}-{next(self._versions)}",
                                resourceVersion=str(next(self._versions)),
                                creationTimestamp=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        _normalise(body)
        if plural == "services":
            ip = f"10.96.0.{next(self._ips)}"
            body["spec"].update(clusterIP=ip, clusterIPs=[ip])
            body["status"] = {"loadBalancer": {}}
        if plural == "deployments":
            body["spec"].setdefault("replicas", 1)
            body["metadata"]["generation"] = 1
            body["status"] = self._rolled_out(body) if self.controller else {}
        if plural == "horizontalpodautoscalers":
            body["status"] = {"currentReplicas": 0, "desiredReplicas": 0}
        stored[name] = body
        return _json(201, body)

    def _replace(self, stored: dict, plural: str, name: str, body: dict) -> Response:
        live = stored[name]
        version = body["metadata"].get("resourceVersion")
        if plural == "services" and not version:
            return _status(422, "Invalid", f'Service "{name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: '
                                           "must be specified for an update")
        if version and version != live["metadata"]["resourceVersion"]:
            return _status(409, "Conflict", f'Operation cannot be fulfilled on {plural} "{name}": the object has been '
                                            "modified; please apply your changes to the latest version and try again")
        if plural == "services":
            given = body["spec"].get("clusterIP")
            if not given:
                return _status(422, "Invalid", f'Service "{name}" is invalid: spec.clusterIPs[0]: Invalid value: '
                                               "[]string(nil): primary clusterIP can not be unset")
            if given != live["spec"]["clusterIP"]:
                return _status(422, "Invalid", f'Service "{name}" is invalid: spec.clusterIP: Invalid value: '
                                               f'"{given}": field is immutable')
        _normalise(body)
        body["metadata"].update(uid=live["metadata"]["uid"], creationTimestamp=live["metadata"]["creationTimestamp"],
                                namespace=live["metadata"]["namespace"], resourceVersion=str(next(self._versions)))
        body.pop("status", None)
        if "status" in live:  # a replace never changes the status
            body["status"] = live["status"]
        if plural == "deployments":
            body["spec"].setdefault("replicas", 1)
            changed = body["spec"] != live["spec"]
            body["metadata"]["generation"] = live["metadata"]["generation"] + (1 if changed else 0)
            if self.controller:
                body["status"] = self._rolled_out(body)
        stored[name] = body
        return _json(200, body)

    def _log(self, ns: str, name: str, request: Request) -> Response:
        if name not in self.collections.get(_collection("pods", ns), {}):
            return _status(404, "NotFound", f'pods "{name}" not found')
        text = self.logs.get((ns, name))
        if text is None:
            return _status(400, "BadRequest", f'container "score" in pod "{name}" is waiting to start: ContainerCreating')
        tail = request.args.get("tailLines")
        lines = text.splitlines(keepends=True)
        return Response("".join(lines[-int(tail):] if tail else lines), 200, content_type="text/plain")

    @staticmethod
    def _rolled_out(deployment: dict) -> dict:
        replicas = deployment["spec"]["replicas"]
        return {"observedGeneration": deployment["metadata"]["generation"], "replicas": replicas,
                "readyReplicas": replicas, "updatedReplicas": replicas, "availableReplicas": replicas,
                "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                               {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # the calls are in FakeKubernetes.calls
        pass


def _collection(plural: str, namespace: str, group: str | None = None, version: str | None = None) -> str:
    if group is None:
        group, version = {"deployments": ("apps", "v1"), "horizontalpodautoscalers": ("autoscaling", "v2")}.get(
            plural, ("", "v1"))
    prefix = f"/apis/{group}/{version}" if group else "/api/v1"
    return f"{prefix}/namespaces/{namespace}/{plural}"


def _api_version(group: str, version: str | None) -> str:
    return f"{group}/{version}" if group else "v1"


def _normalise(body: dict) -> None:
    """What the API server does to a Secret: stringData is write-only, stored base64-encoded in data."""
    if body.get("kind") == "Secret" and body.get("stringData"):
        data = body.setdefault("data", {})
        for key, value in body.pop("stringData").items():
            data[key] = base64.b64encode(value.encode()).decode()


def _selector(labels: dict) -> str:
    return ",".join(f"{key}={value}" for key, value in labels.items())


def _selected(obj: dict, selector: str | None) -> bool:
    if not selector:
        return True
    labels = obj["metadata"].get("labels") or {}
    return all(labels.get(key) == value for key, _, value in (part.partition("=") for part in selector.split(",")))


def _json(code: int, body: dict) -> Response:
    return Response(json.dumps(body), code, content_type="application/json")


def _status(code: int, reason: str, message: str) -> Response:
    return _json(code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
                        "reason": reason, "code": code})
