"""The server extension as a `jupyter_server` ExtensionApp: found by name, configured by traits, routes under the
server's base URL, and a shutdown that stops its request pool."""

from __future__ import annotations

from jupyter_deploy.server.app import JupyterDeployApp
from jupyter_deploy.server.handlers import EXECUTOR_SETTING, NAMESPACE, ROUTES, SERVICE_SETTING


def _extension_app(jp_serverapp) -> JupyterDeployApp:
    extension = jp_serverapp.extension_manager.extensions["jupyter_deploy"]
    [point] = extension.extension_points.values()
    return point.app


async def test_the_app_is_loaded_with_its_settings_and_routes(jp_serverapp, workspace):
    app = _extension_app(jp_serverapp)
    assert isinstance(app, JupyterDeployApp)
    assert app.workspace_path == str(workspace.path)  # c.JupyterDeployApp.workspace_path from the test config
    settings = jp_serverapp.web_app.settings
    assert settings[SERVICE_SETTING].workspace.path == workspace.path
    assert settings[EXECUTOR_SETTING] is app.executor
    patterns = {rule.matcher.regex.pattern for rule in jp_serverapp.web_app.default_router.rules[0].target.rules
                if hasattr(rule.matcher, "regex")}
    for path, _handler in ROUTES:
        assert any(f"{NAMESPACE}/{path}" in pattern for pattern in patterns), path


async def test_stop_extension_shuts_the_request_pool_down(jp_serverapp):
    app = _extension_app(jp_serverapp)
    assert not app.executor._shutdown
    await app.stop_extension()
    assert app.executor._shutdown
