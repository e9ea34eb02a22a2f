"""A service's objects on a Kubernetes cluster, through the target's kubeconfig and context.

The `kubernetes` client's typed APIs do the talking (CoreV1Api for Secrets, Services, pods and their logs,
AppsV1Api for Deployments, AutoscalingV2Api for the HorizontalPodAutoscaler). Applying is create-or-replace, as
`kubectl replace` after a failed `kubectl create`: on 409 the live object is read and replaced, keeping what the
cluster owns (resourceVersion; a Service's clusterIP; the replica count while an autoscaler sets it). An apply that
fails deletes what it created itself, so a failed deploy leaves nothing half-done. Every failure of the cluster —
a kubeconfig or context that does not load, an API server that does not answer, credentials refused, a missing
permission or namespace — becomes one `ClusterError` sentence.
"""

from __future__ import annotations

import json
from typing import Callable, Optional

from ....errors import ClusterError
from .manifests import SERVICE_LABEL, secret_name

APPLY_ORDER = ("Secret", "Deployment", "Service", "HorizontalPodAutoscaler")  # the Deployment mounts the Secret
REQUEST_TIMEOUT = (10, 60)  # seconds to connect, to read: an unreachable cluster is a sentence, not a hang
PLURALS = {"Secret": "secrets", "Deployment": "deployments", "Service": "services",
           "HorizontalPodAutoscaler": "horizontalpodautoscalers"}


def load_api_client(kubeconfig: Optional[str], context: Optional[str]):
    """The client for `context` of `kubeconfig` (None: $KUBECONFIG or ~/.kube/config, and its current context)."""
    import yaml
    from kubernetes import client as k8s
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    where = _where(kubeconfig, context)
    configuration = k8s.Configuration()
    configuration.retries = 1  # urllib3 retries a refused connection three times by default
    try:
        return config.new_client_from_config(config_file=kubeconfig, context=context,
                                             client_configuration=configuration)
    except ConfigException as error:
        message = str(error)
        if context and f"name {context} " in message:
            raise ClusterError(f"Context '{context}' is not in {_file(kubeconfig)}; `kubectl config get-contexts` "
                               "lists the ones it has: detach the target and attach it again with one of them.") from None
        if "No configuration found" in message:
            raise ClusterError(f"There is no kubeconfig at {_file(kubeconfig)}; attach the target with "
                               "--kubeconfig PATH (or create ~/.kube/config).") from None
        raise ClusterError(f"{where} cannot be used ({message}); fix the kubeconfig or attach the target with "
                           "another --kubeconfig/--context.") from None
    except (yaml.YAMLError, ValueError, KeyError, TypeError) as error:
        raise ClusterError(f"{_file(kubeconfig)} is not a usable kubeconfig ({type(error).__name__}: "
                           f"{str(error).splitlines()[0] if str(error) else 'unreadable'}); fix it or attach the "
                           "target with another --kubeconfig.") from None
    except OSError as error:
        raise ClusterError(f"{_file(kubeconfig)} cannot be read ({error.strerror or error}); check the path and "
                           "its permissions.") from None


class Cluster:
    """One namespace of one cluster, as the target's kubeconfig/context reach it."""

    def __init__(self, kubeconfig: Optional[str], context: Optional[str], namespace: str):
        from kubernetes import client as k8s

        self.kubeconfig, self.context, self.namespace = kubeconfig, context, namespace
        self.api_client = load_api_client(kubeconfig, context)
        self.core = k8s.CoreV1Api(self.api_client)
        self.apps = k8s.AppsV1Api(self.api_client)
        self.autoscaling = k8s.AutoscalingV2Api(self.api_client)
        self._version = k8s.VersionApi(self.api_client)

    @classmethod
    def of(cls, cluster: dict) -> "Cluster":
        """From a service record's (or a target's) {kubeconfig, context, namespace}."""
        return cls(cluster.get("kubeconfig"), cluster.get("context"), cluster.get("namespace") or "default")

    @property
    def server(self) -> str:
        return self.api_client.configuration.host

    # -- the calls ---------------------------------------------------------------------------------------
    def check(self) -> None:
        """Reachable and accepting our credentials (before anything is built or pushed)."""
        self.call("read its version", self._version.get_code)

    def call(self, doing: str, method: Callable, *args, missing_ok: bool = False, **kwargs):
        """`method(*args, **kwargs)` with a timeout; any failure is one sentence saying what we were doing."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        try:
            return method(*args, _request_timeout=REQUEST_TIMEOUT, **kwargs)
        except ApiException as error:
            if error.status == 404 and missing_ok:
                return None
            raise self._refusal(error, doing) from None
        except (HTTPError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise ClusterError(f"Cannot reach the Kubernetes API server at {self.server} to {doing} ({_short(reason)}); "
                               f"check that the cluster is up and that {_where(self.kubeconfig, self.context)} "
                               "points at it.") from None
        except ValueError as error:  # the client's models refused the answer: not a Kubernetes API server
            raise ClusterError(f"{self.server} answered something that is not a Kubernetes API response when asked "
                               f"to {doing} ({_short(error)}); check the server address in "
                               f"{_where(self.kubeconfig, self.context)}.") from None

    def read(self, kind: str, name: str):
        """The live object, or None if there is none."""
        return self.call(f"read the {kind} '{name}'", self._method("read", kind), name, self.namespace, missing_ok=True)

    def apply(self, objects: list) -> list[tuple[str, str]]:
        """Create or replace each object; returns the (kind, name) it created. On any failure the objects this
        call created are deleted again before the error goes on."""
        created: list[tuple[str, str]] = []
        try:
            for obj in sorted(objects, key=lambda o: APPLY_ORDER.index(o.kind)):
                kind, name = obj.kind, obj.metadata.name
                doing = f"create the {kind} '{name}' in namespace '{self.namespace}'"
                try:
                    self.call(doing, self._method("create", kind), self.namespace, obj)
                    created.append((kind, name))
                except ClusterError as error:
                    if error.status != 409:
                        raise
                    self._replace(obj)
        except BaseException:
            for kind, name in reversed(created):
                self.delete(kind, name, quiet=True)
            raise
        return created

    def prune(self, name: str, objects: list) -> None:
        """Delete this service's objects of a kind it no longer has (the autoscaler once autoscaling is off,
        the keys once auth is off)."""
        wanted = {(obj.kind, obj.metadata.name) for obj in objects}
        for kind, object_name in service_objects(name):
            if (kind, object_name) not in wanted:
                self.delete(kind, object_name)

    def delete(self, kind: str, name: str, quiet: bool = False) -> None:
        """Delete one object (its pods go with a Deployment); one already gone is fine."""
        from kubernetes import client as k8s

        options = k8s.V1DeleteOptions(propagation_policy="Background")
        try:
            self.call(f"delete the {kind} '{name}' in namespace '{self.namespace}'", self._method("delete", kind), name,
                      self.namespace, body=options, missing_ok=True)
        except ClusterError:
            if not quiet:
                raise

    def delete_service(self, name: str) -> None:
        """Everything a service of that name has, autoscaler first, keys last."""
        for kind, object_name in reversed(service_objects(name)):
            self.delete(kind, object_name)

    def pods(self, name: str) -> list:
        selector = f"{SERVICE_LABEL}={name}"
        return self.call(f"list the pods of '{name}'", self.core.list_namespaced_pod, self.namespace,
                         label_selector=selector).items

    def pod_log(self, pod: str, tail_lines: int) -> str:
        return self.call(f"read the log of pod '{pod}'", self.core.read_namespaced_pod_log, pod, self.namespace,
                         container="score", tail_lines=tail_lines) or ""

    # -- internals ----------------------------------------------------------------------------------------
    def _replace(self, obj) -> None:
        kind, name = obj.kind, obj.metadata.name
        live = self.read(kind, name)
        if live is None:  # deleted between our create and our read: create it again
            self.call(f"create the {kind} '{name}'", self._method("create", kind), self.namespace, obj)
            return
        obj.metadata.resource_version = live.metadata.resource_version
        if kind == "Service":  # the cluster assigned these; a replace without them is refused as "immutable"
            obj.spec.cluster_ip = live.spec.cluster_ip
            obj.spec.cluster_ips = live.spec.cluster_ips
        if kind == "Deployment" and obj.spec.replicas is None:  # the autoscaler owns the count
            obj.spec.replicas = live.spec.replicas
        self.call(f"replace the {kind} '{name}' in namespace '{self.namespace}'", self._method("replace", kind), name,
                  self.namespace, obj)

    def _method(self, verb: str, kind: str) -> Callable:
        api = {"Secret": self.core, "Service": self.core, "Deployment": self.apps,
               "HorizontalPodAutoscaler": self.autoscaling}[kind]
        snake = {"Secret": "secret", "Service": "service", "Deployment": "deployment",
                 "HorizontalPodAutoscaler": "horizontal_pod_autoscaler"}[kind]
        return getattr(api, f"{verb}_namespaced_{snake}")

    def _refusal(self, error, doing: str) -> ClusterError:
        message = _status_message(error)
        where = _where(self.kubeconfig, self.context)
        if error.status == 401:
            text = (f"The Kubernetes API server at {self.server} did not accept the credentials of {where} "
                    f"(401 Unauthorized) when asked to {doing}; log in to the cluster again (or refresh the "
                    "kubeconfig) and retry.")
        elif error.status == 403:
            text = (f"{where[0].upper()}{where[1:]} may not {doing} (403 Forbidden: {message}); ask the cluster's "
                    "admin for that permission, or attach the target with another --context or --namespace.")
        elif error.status == 404 and "namespace" in message.lower():
            text = (f"Namespace '{self.namespace}' does not exist on the cluster of {where}; create it with "
                    f"`kubectl create namespace {self.namespace}` or attach the target with another --namespace.")
        elif error.status == 409:
            text = f"The cluster already has what we tried to {doing} ({message})."
        elif error.status == 422:
            text = f"The cluster refused to {doing}: {message}."
        else:
            text = (f"The Kubernetes API server at {self.server} answered HTTP {error.status} when asked to {doing}: "
                    f"{message}.")
        return ClusterError(text, error.status)


def service_objects(name: str) -> list[tuple[str, str]]:
    """(kind, name) of every object a service can have, in apply order."""
    return [("Secret", secret_name(name)), ("Deployment", name), ("Service", name), ("HorizontalPodAutoscaler", name)]


def _status_message(error) -> str:
    try:
        return str(json.loads(error.body).get("message") or error.reason).rstrip(".")
    except (TypeError, ValueError, AttributeError):
        return str(error.reason or error.status)


def _file(kubeconfig: Optional[str]) -> str:
    return f"kubeconfig '{kubeconfig}'" if kubeconfig else "the default kubeconfig ($KUBECONFIG or ~/.kube/config)"


def _where(kubeconfig: Optional[str], context: Optional[str]) -> str:
    return f"context '{context}' of {_file(kubeconfig)}" if context else f"the current context of {_file(kubeconfig)}"


def _short(reason) -> str:
    text = str(reason)
    if "Connection refused" in text:
        return "connection refused"
    if "timed out" in text.lower():
        return "timed out"
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "unknown host"
    return text.splitlines()[0][:200]
