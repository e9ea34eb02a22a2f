"""`%deploy`, `%%test_endpoint`, `%services`, `%images`, `%service_logs`, `%reload` and `%undeploy`."""

from __future__ import annotations

import time
from pathlib import Path

from IPython.core.magic import cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..deploy import AksWebservice, InferenceConfig, LocalWebservice, Model, list_services, validate_service_name
from ..deploy.images import list_images, prune_images
from ..deploy.probe import call_endpoint, parse_json_body
from ..environment import Environment, resolve_environment
from ..errors import DeploymentConfigError, EntryScriptError, JupyterDeployError, WebserviceError
from ..registry import Workspace, resolve_model
from ..widgets.progress import DeployProgress
from .arguments import parse_magic_line, user_errors, workspace_option
from .session import SessionMagics
from .results import DeployedService, ImageList, LogText, ServiceList


@magics_class
class ServiceMagics(SessionMagics):
    """Deploying, testing and managing services."""

    # -- %deploy ---------------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("service", help="the service name (3-32 lowercase letters, digits or '-')")
    @argument("-m", "--model", dest="models", action="append", default=[], metavar="MODEL[:VER]",
              help="a registered model to serve, latest version unless given (repeatable)")
    @argument("--script", metavar="FILE", help="the entry script (default: the last %%%%score_script)")
    @argument("--env", metavar="NAME", help="a stored environment (default: the last %%%%environment)")
    @argument("--port", type=int, help="the host port on 127.0.0.1 (default: a free one)")
    @argument("--workers", type=int, help="scoring worker processes in the container (WORKER_COUNT)")
    @argument("--memory-gb", type=float, help="memory limit of the container in GB (default: none)")
    @argument("--overwrite", action="store_true", help="replace a service of the same name")
    @argument("--collect-data", dest="collect_data", action="store_true",
              help="capture every /score request (service.get_collected_data())")
    @argument("--target", metavar="T", help="an attached compute target (swarm or Kubernetes): deploy there with AKS settings")
    @argument("--replicas", type=int, metavar="N", help="replicas on the --target (default 1)")
    @workspace_option
    @line_magic
    @user_errors
    def deploy(self, line):
        """Build the environment's image (cached) and start the service in local Docker; wait until it is Healthy.

        Shows a progress bar and the build log while it works and ends with the service's status card.
        """
        args = parse_magic_line(self.deploy, line)
        workspace = self.session.workspace(args.workspace)
        validate_service_name(args.service)
        deployment_config = LocalWebservice.deploy_configuration(port=args.port, workers=args.workers, collect_model_data=args.collect_data,
                                                                   memory_gb=args.memory_gb)
        script = Path(args.script).expanduser() if args.script else self.session.last_script
        if script is None:
            raise EntryScriptError("No entry script to serve: write one with %%score_script, or pass --script FILE.")
        models = [resolve_model(workspace, model_id) for model_id in args.models]
        env = self._deploy_environment(workspace, args.env, args.service)
        config = InferenceConfig(entry_script=str(script), environment=env)
        if args.target:
            deployment_config = AksWebservice.deploy_configuration(num_replicas=args.replicas or 1,
                                                                   collect_model_data=args.collect_data)
        elif args.replicas:
            raise DeploymentConfigError("--replicas needs --target T (an attached swarm or Kubernetes target); a local service has one container.")
        progress = DeployProgress(args.service)
        progress.display()
        started = time.perf_counter()
        try:
            service = Model.deploy(workspace, args.service, models, config, deployment_config,
                                   overwrite=args.overwrite, progress=progress, deployment_target=args.target)
            service.wait_for_deployment()
        except BaseException as error:
            if progress.widgets:  # in text mode the sentence printed for the error says it all
                progress.failed(str(error) if isinstance(error, JupyterDeployError) else f"Interrupted ({type(error).__name__}).")
            raise
        elapsed = time.perf_counter() - started
        progress.done(service, show_card=False)
        if args.target:
            return service  # a cluster service displays its own card
        return DeployedService(workspace, args.service, elapsed)

    def _deploy_environment(self, workspace: Workspace, name: str | None, service: str) -> Environment:
        """--env NAME (the one just defined in this notebook if it has that name), else the last %%environment."""
        last = self.session.last_environment
        if name is not None and last is not None and last.name == name:
            return last
        if name is None and last is None:
            print(f"No %%environment given: '{service}' gets only the runtime; `%environment NAME --capture` pins "
                  "what the script imports.")
        return resolve_environment(workspace, service, stored=name, environment=last if name is None else None)

    # -- %%test_endpoint -------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("service", help="a service name, or a scoring URL")
    @argument("--repeat", type=int, default=1, metavar="N", help="send the body N times (at most 10000)")
    @argument("--concurrency", type=int, default=1, metavar="C", help="from C threads at once")
    @argument("--timeout", type=float, default=60.0, metavar="S", help="seconds to wait for each answer")
    @argument("--max-seconds", dest="max_seconds", type=float, default=120.0, metavar="S",
              help="stop sending after S seconds in all")
    @workspace_option
    @cell_magic
    @user_errors
    def test_endpoint(self, line, cell):
        """POST the cell (a JSON body) to the service: status, response and latency; --repeat adds percentiles."""
        args = parse_magic_line(self.test_endpoint, line)
        body = parse_json_body(cell, "The request body (the cell)")
        if args.service.startswith(("http://", "https://")):
            target: LocalWebservice | str = args.service
        else:
            target = self.session.service(args)
            state = target.state
            if state == "Failed":
                raise WebserviceError(f"Service '{args.service}' has failed; `%service_logs {args.service}` shows why, "
                                      f"then redeploy it with %deploy {args.service} … --overwrite.")
        return call_endpoint(target, body, repeat=args.repeat, concurrency=args.concurrency, timeout_s=args.timeout,
                             max_seconds=args.max_seconds)

    # -- services ----------------------------------------------------------------------------------------------
    @magic_arguments()
    @workspace_option
    @line_magic
    @user_errors
    def services(self, line):
        """The deployed services with their state and scoring URI."""
        args = parse_magic_line(self.services, line)
        return ServiceList(list_services(self.session.workspace(args.workspace)))

    @magic_arguments()
    @argument("--prune", action="store_true", help="remove every environment image no service uses, and say how much that freed")
    @workspace_option
    @line_magic
    @user_errors
    def images(self, line):
        """The environment images (one per distinct environment content): size, environments, services using them."""
        args = parse_magic_line(self.images, line)
        workspace = self.session.workspace(args.workspace)
        if args.prune:
            print(prune_images(workspace).summary())
        return ImageList(list_images(workspace))

    @magic_arguments()
    @argument("service", help="the service name")
    @argument("-n", "--lines", type=int, default=200, metavar="LINES", help="how many lines from the end (default 200)")
    @workspace_option
    @line_magic
    @user_errors
    def service_logs(self, line):
        """The end of the service's log: its init() output, request lines and the tracebacks of failed requests."""
        args = parse_magic_line(self.service_logs, line)
        service = self.session.service(args)
        return LogText(service.get_logs(num_lines=args.lines))

    @magic_arguments()
    @argument("service", help="the service name")
    @workspace_option
    @line_magic
    @user_errors
    def reload(self, line):
        """Serve the edited entry script without rebuilding; if it fails to load, the old one keeps serving."""
        args = parse_magic_line(self.reload, line)
        service = self.session.service(args)
        seconds = service.reload()
        print(f"'{service.name}' now serves the current {service.inference_config.entry_script} "
              f"(reloaded in {seconds:.2f} s).")
        return service

    @magic_arguments()
    @argument("service", help="the service name")
    @workspace_option
    @line_magic
    @user_errors
    def undeploy(self, line):
        """Stop the service, remove its container and forget it."""
        args = parse_magic_line(self.undeploy, line)
        service = self.session.service(args)
        service.delete()
        print(f"Deleted service '{service.name}'.")
