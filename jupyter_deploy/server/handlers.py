"""The REST routes of the side panel (docs/rest-api.md), all under `{base_url}jupyter-deploy/api/`.

Each verb is one line: it hands a call on the `DeployService` to a small thread pool (core calls talk to
Docker and probe services over HTTP; none may block the server's event loop) and answers its JSON. Errors
become `{"message": ...}` in `_answer_error`, the one place that maps exception types to HTTP codes.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import tornado.web
from jupyter_server.base.handlers import APIHandler
from tornado.ioloop import IOLoop

from ..errors import (ComputeTargetNotFound, DeploymentFailed, DeploymentNotFound, DeploymentRunning, DockerNotRunning, InvalidRequest,
                      JupyterDeployError, ModelInUse, ModelNotFound, PortInUse, ServiceExists, ServiceNotFound,
                      WebserviceError, system_error_sentence)
from .requests import DeployRequest, EndpointTestRequest
from .service import DeployService

NAMESPACE = "jupyter-deploy/api"
# Keys in the web app's settings (ExtensionApp itself stores the app under its name, "jupyter_deploy").
SERVICE_SETTING = "jupyter_deploy_service"
EXECUTOR_SETTING = "jupyter_deploy_executor"

# First match wins; any other JupyterDeployError is a user mistake (400), anything else a bug (500).
ERROR_STATUS: tuple[tuple[type[BaseException], int], ...] = (
    (DockerNotRunning, 503),
    (ModelNotFound, 404),
    (ServiceNotFound, 404),
    (ComputeTargetNotFound, 404),
    (DeploymentNotFound, 404),
    (ModelInUse, 409),
    (ServiceExists, 409),
    (PortInUse, 409),
    (DeploymentRunning, 409),
    (DeploymentFailed, 409),  # reload: the new script failed, the old one keeps serving
    (WebserviceError, 409),  # the service is not in a state to do that (not running, not ready)
    (JupyterDeployError, 400),
)


def error_status(error: BaseException) -> int:
    for kind, status in ERROR_STATUS:
        if isinstance(error, kind):
            return status
    return 500


class DeployAPIHandler(APIHandler):
    """Base of every route: runs one service call off the event loop and answers JSON or `{message}`."""

    @property
    def deploy_service(self) -> DeployService:
        return self.settings[SERVICE_SETTING]

    async def answer(self, call: Callable[[], Any], status: int = 200) -> None:
        executor = self.settings[EXECUTOR_SETTING]
        try:
            result = await IOLoop.current().run_in_executor(executor, call)
        except Exception as error:
            self._answer_error(error)
            return
        self.set_status(status)
        if status == 204:
            self.finish()
        else:
            self.finish(json.dumps(result))

    def _answer_error(self, error: Exception) -> None:
        status = error_status(error)
        sentence = system_error_sentence(error) if status == 500 else None
        if sentence is not None:  # an OSError, SQLite or decoding error the core did not word itself
            status, message = 400, sentence
        elif status == 500:
            self.log.error("jupyter-deploy: %s %s failed", self.request.method, self.request.path, exc_info=error)
            message = f"Unexpected error: {type(error).__name__}: {error}"
        else:
            message = str(error)
        self.set_status(status)
        self.finish(json.dumps({"message": message}))

    def int_argument(self, name: str, default: int, minimum: int) -> int:
        text = self.get_query_argument(name, str(default))
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise InvalidRequest(f"Query argument {name}={text!r} must be a whole number of at least {minimum}.")
        return value


class ModelsHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(self.deploy_service.list_models)


class ModelHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        await self.answer(lambda: self.deploy_service.get_model(name))


class ModelVersionHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def get(self, name: str, version: str) -> None:
        await self.answer(lambda: self.deploy_service.get_model_version(name, version))

    @tornado.web.authenticated
    async def delete(self, name: str, version: str) -> None:
        await self.answer(lambda: self.deploy_service.delete_model(name, version), status=204)


class ServicesHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(self.deploy_service.list_services)


class ServiceHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        await self.answer(lambda: self.deploy_service.get_service(name))

    @tornado.web.authenticated
    async def delete(self, name: str) -> None:
        await self.answer(lambda: self.deploy_service.delete_service(name), status=204)


class ServiceLogsHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        await self.answer(lambda: self.deploy_service.service_logs(name, self.int_argument("lines", 200, 1)))


class ServiceMonitorHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        await self.answer(lambda: self.deploy_service.service_monitor(name))


class ServiceReloadHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        await self.answer(lambda: self.deploy_service.reload_service(name))


class ServiceTestHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        await self.answer(lambda: self.deploy_service.test_service(name, EndpointTestRequest.parse(self.request.body)))


class ServiceKeysHandler(DeployAPIHandler):
    """GET: the service's keys; POST {"keyType": "Primary"|"Secondary"}: regenerate one, answer the new pair."""

    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        await self.answer(lambda: self.deploy_service.service_keys(name))

    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        body = self.request.body
        await self.answer(lambda: self.deploy_service.regen_service_key(name, _key_type(body)))


class ComputeTargetsHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(self.deploy_service.list_compute_targets)


def _key_type(body: bytes) -> str:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        raise InvalidRequest("The request body is not valid JSON; send {\"keyType\": \"Primary\"}.") from None
    if not isinstance(document, dict) or document.get("keyType") not in ("Primary", "Secondary"):
        raise InvalidRequest('keyType must be "Primary" or "Secondary".')
    return document["keyType"]


class DeploymentsHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(self.deploy_service.list_deployments)

    @tornado.web.authenticated
    async def post(self) -> None:
        await self.answer(lambda: self.deploy_service.start_deployment(DeployRequest.parse(self.request.body)),
                          status=202)


class DeploymentHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def get(self, deployment_id: str) -> None:
        await self.answer(lambda: self.deploy_service.get_deployment(deployment_id, self.int_argument("since", 0, 0)))


class ScriptsHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(self.deploy_service.list_scripts)


class EnvironmentsHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(self.deploy_service.list_environments)


class StatusHandler(DeployAPIHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        await self.answer(self.deploy_service.status)


NAME = r"([^/]+)"
ROUTES: tuple[tuple[str, type[DeployAPIHandler]], ...] = (
    ("models", ModelsHandler),
    (f"models/{NAME}", ModelHandler),
    (f"models/{NAME}/{NAME}", ModelVersionHandler),
    ("services", ServicesHandler),
    (f"services/{NAME}", ServiceHandler),
    (f"services/{NAME}/logs", ServiceLogsHandler),
    (f"services/{NAME}/reload", ServiceReloadHandler),
    (f"services/{NAME}/monitor", ServiceMonitorHandler),
    (f"services/{NAME}/test", ServiceTestHandler),
    (f"services/{NAME}/keys", ServiceKeysHandler),
    ("computeTargets", ComputeTargetsHandler),
    ("deployments", DeploymentsHandler),
    (f"deployments/{NAME}", DeploymentHandler),
    ("scripts", ScriptsHandler),
    ("environments", EnvironmentsHandler),
    ("status", StatusHandler),
)

