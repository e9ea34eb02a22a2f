"""The Jupyter server extension behind the side panel: `app.JupyterDeployApp` (settings, routes, lifetime),
thin `handlers` over one `service.DeployService`, background `deployments`, and the `requests` bodies it accepts.

`jupyter_deploy/__init__.py` names the app lazily, so importing the core never imports tornado."""
