"""The `jupyter-deploy` command, shaped like Azure's `az ml model …` / `az ml service …` v1 commands.

Every user mistake ends here as one line on stderr and exit code 1 (argument errors: 2), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import warnings
from typing import Any, Sequence

from .deploy import (ComputeTarget, InferenceConfig, Model, attach_service, list_services,
                     load_deployment_config, load_inference_config)
from .deploy.images import list_images, prune_images
from .deploy.targets.kubernetes import export_kubernetes
from .display.cards import service_text
from .display.tables import IMAGES, MODELS, SERVICES, Table
from .errors import DeployWarning, FileAccessError, JupyterDeployError, system_error_sentence
from .image import build_base_image, docker_client
from .registry import Workspace, parse_model_id


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    warnings.showwarning = _show_warning
    try:
        return args.handler(args) or 0
    except JupyterDeployError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error, UnicodeError) as error:  # one the core did not word itself
        print(f"error: {system_error_sentence(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing was left half-done.", file=sys.stderr)
        return 130


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    prefix = "warning" if issubclass(category, DeployWarning) else category.__name__
    print(f"{prefix}: {message}", file=sys.stderr)


# -- helpers ----------------------------------------------------------------------------------------------
def _workspace(args) -> Workspace:
    return Workspace(args.workspace)


def _pairs(values: list[str] | None, flag: str) -> dict[str, str]:
    result = {}
    for value in values or []:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise JupyterDeployError(f"{flag} takes key=value, got {value!r}; write it like {flag} stage=dev.")
        result[key] = val
    return result


def _emit(args, data: Any, table: Table | None = None) -> None:
    """JSON (the objects' one shape, `shapes.py`) with `-o json` or when there is no table; else the table."""
    if args.output == "json" or table is None:
        print(json.dumps(data, indent=2, default=str))
        return
    print(table.text(data if isinstance(data, list) else [data], capitals=True))


def _model_from_args(args) -> Model:
    if args.model_id:
        name, version = parse_model_id(args.model_id)
    elif args.name:
        name, version = args.name, args.version
    else:
        raise JupyterDeployError("Say which model: -i name:version, or -n NAME [-v VERSION].")
    return Model(_workspace(args), name, version=version)


def _read_text_file(path: str, flag: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except UnicodeDecodeError:
        raise FileAccessError(f"{flag} '{path}' is not UTF-8 text; save the request body as UTF-8 JSON.") from None
    except OSError as error:
        raise FileAccessError(f"{flag} '{path}' cannot be read: {error.strerror or error}; check the path.") from None


# -- model commands ---------------------------------------------------------------------------------------
def _model_register(args) -> None:
    model = Model.register(_workspace(args), model_path=args.path, model_name=args.name, description=args.description,
                           tags=_pairs(args.tag, "--tag"), properties=_pairs(args.property, "--property"),
                           child_paths=args.child_path, model_framework=args.model_framework,
                           model_framework_version=args.model_framework_version)
    _emit(args, model.serialize(), MODELS)


def _model_list(args) -> None:
    models = Model.list(_workspace(args), name=args.name, tags=_pairs(args.tag, "--tag") or None, latest=args.latest)
    _emit(args, [m.serialize() for m in models], MODELS)


def _model_show(args) -> None:
    model = _model_from_args(args)
    _emit(args, model.serialize())


def _model_download(args) -> None:
    path = _model_from_args(args).download(args.target_dir, exist_ok=args.overwrite)
    if args.output == "json":
        _emit(args, {"path": path})
    else:
        print(f"Downloaded to {path}")


def _model_delete(args) -> None:
    model = _model_from_args(args)
    model.delete()
    print(f"Deleted model {model.id}.")


def _model_deploy(args) -> None:
    workspace = _workspace(args)
    if args.inference_config:
        config = load_inference_config(args.inference_config, {"entryScript": args.entry_script, "condaFile": args.conda_file,
                                                               "sourceDirectory": args.source_directory})
    elif args.entry_script:
        config = InferenceConfig(args.entry_script, conda_file=args.conda_file, source_directory=args.source_directory)
    else:
        raise JupyterDeployError("Give --ic inferenceConfig.json (or --entry-script score.py) so the service knows what to run.")
    deployment = load_deployment_config(args.deploy_config, port=args.port, workers=args.workers,
                                        memory_gb=args.memory_gb)
    if args.collect_model_data:
        deployment.collect_model_data = True
    target = ComputeTarget(workspace, args.compute_target) if args.compute_target else None
    service = Model.deploy(workspace, args.name, args.model or [], config, deployment, overwrite=args.overwrite,
                           show_output=not args.quiet, deployment_target=target)
    service.wait_for_deployment(show_output=False)
    _emit(args, service.serialize(), SERVICES)


def _model_package(args) -> None:
    if args.inference_config:
        config = load_inference_config(args.inference_config, {"entryScript": args.entry_script})
    elif args.entry_script:
        config = InferenceConfig(args.entry_script, conda_file=args.conda_file, source_directory=args.source_directory)
    else:
        raise JupyterDeployError("Give --ic inferenceConfig.json (or --entry-script score.py) so the package knows what to run.")
    package = Model.package(_workspace(args), args.model or [], config, generate_dockerfile=bool(args.output_dir),
                            image_name=args.image_name, show_output=not args.quiet)
    if args.output_dir:
        print(f"Wrote a build context to {package.save(args.output_dir)}; build it with `docker build {args.output_dir}`.")
    else:
        print(f"Built {package.location}; run it with `docker run -p 127.0.0.1:8080:5001 {package.location}`.")


# -- service commands -------------------------------------------------------------------------------------
def _service(args):
    return attach_service(_workspace(args), args.name)


def _service_list(args) -> None:
    _emit(args, [s.serialize() for s in list_services(_workspace(args))], SERVICES)


def _service_export(args) -> None:
    if not args.kubernetes:
        raise JupyterDeployError("Say where to write the manifests: --kubernetes DIR.")
    for path in export_kubernetes(_workspace(args), args.name, args.kubernetes):
        print(path)


def _service_get_keys(args) -> None:
    primary, secondary = _service(args).get_keys()
    _emit(args, {"primaryKey": primary, "secondaryKey": secondary})


def _service_regen_key(args) -> None:
    _service(args).regen_key(args.key)
    print(f"Regenerated the {args.key} key of '{args.name}'; `jupyter-deploy service get-keys -n {args.name}` shows it.")


# -- compute targets (az ml computetarget …) --------------------------------------------------------------
def _compute_attach_swarm(args) -> None:
    _emit(args, ComputeTarget.attach_swarm(_workspace(args), args.name).serialize())


def _compute_attach_kubernetes(args) -> None:
    target = ComputeTarget.attach_kubernetes(_workspace(args), args.name, kubeconfig=args.kubeconfig,
                                             context=args.context, namespace=args.namespace, registry=args.registry)
    _emit(args, target.serialize())


def _compute_list(args) -> None:
    _emit(args, [t.serialize() for t in ComputeTarget.list(_workspace(args))])


def _compute_show(args) -> None:
    _emit(args, ComputeTarget(_workspace(args), args.name).serialize())


def _compute_detach(args) -> None:
    ComputeTarget(_workspace(args), args.name).detach()
    print(f"Detached compute target '{args.name}'.")


def _service_show(args) -> None:
    """`-o json`: the service's shape; the default: its text card (state, URIs, worker restarts while it recovers)."""
    data = _service(args).serialize()
    if args.output == "json":
        _emit(args, data)
        return
    print(service_text(data))


def _service_logs(args) -> None:
    sys.stdout.write(_service(args).get_logs(num_lines=args.num_lines))


def _service_run(args) -> None:
    data = args.input_data
    if args.input_file:
        data = _read_text_file(args.input_file, "--input-file")
    if data is None:
        raise JupyterDeployError("Give the request body with -d '{\"text\": \"…\"}' or --input-file body.json.")
    print(json.dumps(_service(args).run(data), indent=2))


def _service_reload(args) -> None:
    seconds = _service(args).reload()
    print(f"Reloaded '{args.name}' in {seconds:.2f} s.")


def _service_delete(args) -> None:
    _service(args).delete()
    print(f"Deleted service '{args.name}'.")


def _image_list(args) -> None:
    _emit(args, [image.serialize() for image in list_images(_workspace(args))], IMAGES)


def _image_prune(args) -> None:
    result = prune_images(_workspace(args))
    if args.output == "json":
        print(json.dumps({"removed": [i.serialize() for i in result.removed], "freedBytes": result.freed_bytes}, indent=2))
    else:
        for image in result.removed:
            print(f"Removed {image.tag if image.tags else image.id[7:19]} ({image.unique_size / 1e9:.2f} GB)")
        print(result.summary())
# -- issue 12: monitoring ---------------------------------------------------------------------------------
def _service_metrics(args) -> None:
    metrics = _service(args).get_metrics()
    if args.output == "json":
        print(json.dumps(metrics, indent=2))
        return
    for name, value in metrics.items():
        for sample in (value if isinstance(value, list) else [{"value": value}]):
            labels = ",".join(f'{k}="{v}"' for k, v in sample.items() if k != "value")
            print(f"{name}{{{labels}}} {sample['value']:g}" if labels else f"{name} {sample['value']:g}")


def _service_data(args) -> None:
    frame = _service(args).get_collected_data(designation=args.designation, since=args.since)
    if args.output == "csv":
        frame = frame.assign(data=frame["data"].map(json.dumps), output=frame["output"].map(json.dumps),
                             model_ids=frame["model_ids"].map(json.dumps))
        sys.stdout.write(frame.to_csv(index=False))
    else:
        print(frame.assign(time=frame["time"].map(lambda t: t.isoformat())).to_json(orient="records", indent=2))


def _service_update(args) -> None:
    service = _service(args)
    service.update(collect_model_data=args.collect_model_data, enable_app_insights=args.enable_app_insights)
    print(f"Service '{args.name}': data collection {'on' if service.collect_model_data else 'off'}, "
          f"app insights {'on' if service.enable_app_insights else 'off'}.")


def _service_delete_data(args) -> None:
    from .monitor import delete_collected_data  # the data outlives its service: no service record needed

    removed = delete_collected_data(_workspace(args), args.name)
    print(f"Deleted the collected data of '{args.name}'." if removed else f"'{args.name}' has no collected data.")


def _add_monitor_commands(service, common) -> None:
    workspace_only = argparse.ArgumentParser(add_help=False)
    workspace_only.add_argument("-w", "--workspace", help="workspace folder")
    metrics = service.add_parser("metrics", parents=[common], help="print a service's Prometheus metrics")
    metrics.add_argument("-n", "--name", required=True)
    metrics.set_defaults(handler=_service_metrics)
    data = service.add_parser("data", parents=[workspace_only], help="print the requests a service captured")
    data.add_argument("-n", "--name", required=True)
    data.add_argument("--designation", help="only rows of this designation (request, inputs, ...)")
    data.add_argument("--since", help="only rows newer than this: 30s, 15m, 1h, 2d or an ISO time")
    data.add_argument("-o", "--output", choices=["json", "csv"], default="json")
    data.set_defaults(handler=_service_data)
    update = service.add_parser("update", parents=[common], help="switch data collection on a running service")
    update.add_argument("-n", "--name", required=True)
    for flag, dest in (("collect-model-data", "collect_model_data"), ("enable-app-insights", "enable_app_insights")):
        update.add_argument(f"--{flag}", dest=dest, action="store_true", default=None)
        update.add_argument(f"--no-{flag}", dest=dest, action="store_false")
    update.set_defaults(handler=_service_update)
    delete_data = service.add_parser("delete-data", parents=[workspace_only], help="delete a service's collected data")
    delete_data.add_argument("-n", "--name", required=True)
    delete_data.set_defaults(handler=_service_delete_data)


def _base_image_build(args) -> None:
    tag = build_base_image(docker_client(), on_log=lambda line: print(line.rstrip("\n"), flush=True))
    print(f"Built base image {tag}.")


# -- parser -----------------------------------------------------------------------------------------------
def _build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-w", "--workspace", help="workspace folder (default: $JUPYTER_DEPLOY_HOME or ~/.jupyter_deploy)")
    common.add_argument("-o", "--output", choices=["table", "json"], default="table", help="output format")

    parser = argparse.ArgumentParser(prog="jupyter-deploy", description="Register models and serve them locally in Docker, the Azure ML v1 way.")
    groups = parser.add_subparsers(title="commands", metavar="{model,service,compute,image,base-image}")

    model = groups.add_parser("model", help="register, inspect and deploy models").add_subparsers(metavar="COMMAND")
    register = model.add_parser("register", parents=[common], help="register a file or folder as a new model version")
    register.add_argument("-p", "--model-path", "--path", dest="path", required=True)
    register.add_argument("-n", "--name", required=True)
    register.add_argument("-d", "--description")
    register.add_argument("--tag", action="append", metavar="KEY=VALUE")
    register.add_argument("--property", action="append", metavar="KEY=VALUE")
    register.add_argument("--child-path", action="append", metavar="PATH")
    register.add_argument("--model-framework")
    register.add_argument("--model-framework-version")
    register.set_defaults(handler=_model_register)

    listing = model.add_parser("list", parents=[common], help="list registered models")
    listing.add_argument("-n", "--name")
    listing.add_argument("--tag", action="append", metavar="KEY=VALUE")
    listing.add_argument("-l", "--latest", action="store_true", help="only the latest version of each model")
    listing.set_defaults(handler=_model_list)

    for verb, handler, text in (("show", _model_show, "show one model version"),
                                ("download", _model_download, "copy a model version's files"),
                                ("delete", _model_delete, "delete a model version")):
        sub = model.add_parser(verb, parents=[common], help=text)
        sub.add_argument("-i", "--model-id", help="name:version")
        sub.add_argument("-n", "--name")
        sub.add_argument("-v", "--version", type=int)
        if verb == "download":
            sub.add_argument("-t", "--target-dir", required=True)
            sub.add_argument("--overwrite", action="store_true")
        sub.set_defaults(handler=handler)

    deploy = model.add_parser("deploy", parents=[common], help="deploy models as a local web service")
    deploy.add_argument("-n", "--name", required=True, help="service name")
    deploy.add_argument("-m", "--model", action="append", metavar="NAME:VERSION")
    deploy.add_argument("--ic", "--inference-config-file", dest="inference_config")
    deploy.add_argument("--dc", "--deploy-config-file", dest="deploy_config")
    deploy.add_argument("--es", "--entry-script", dest="entry_script")
    deploy.add_argument("--cf", "--conda-file", dest="conda_file")
    deploy.add_argument("--sd", "--source-directory", dest="source_directory")
    deploy.add_argument("--port", type=int)
    deploy.add_argument("--workers", type=int, help="scoring worker processes in the container (WORKER_COUNT)")
    deploy.add_argument("--memory-gb", type=float, help="memory limit of the container in GB")
    deploy.add_argument("--ct", "--compute-target", dest="compute_target", help="an attached compute target (with an aks --dc)")
    deploy.add_argument("--overwrite", action="store_true")
    deploy.add_argument("-q", "--quiet", action="store_true", help="do not stream the build log")
    deploy.add_argument("--collect-model-data", action="store_true", default=None, help="capture every /score request")
    deploy.set_defaults(handler=_model_deploy)

    package = model.add_parser("package", parents=[common], help="an image (or a build context) with the models inside")
    package.add_argument("-m", "--model", action="append", metavar="NAME:VERSION")
    package.add_argument("--ic", "--inference-config-file", dest="inference_config")
    package.add_argument("--es", "--entry-script", dest="entry_script")
    package.add_argument("--cf", "--conda-file", dest="conda_file")
    package.add_argument("--sd", "--source-directory", dest="source_directory")
    package.add_argument("--image-name", default="package")
    package.add_argument("--output-dir", help="write a Dockerfile build context here instead of building an image")
    package.add_argument("-q", "--quiet", action="store_true")
    package.set_defaults(handler=_model_package)

    service = groups.add_parser("service", help="inspect and manage deployed services").add_subparsers(metavar="COMMAND")
    service.add_parser("list", parents=[common], help="list services").set_defaults(handler=_service_list)
    for verb, handler, text in (("show", _service_show, "show a service (state, scoring_uri)"),
                                ("logs", _service_logs, "print a service's log"),
                                ("run", _service_run, "send a request body to a service"),
                                ("reload", _service_reload, "serve the edited entry script without a rebuild"),
                                ("delete", _service_delete, "stop and remove a service"),
                                ("export", _service_export, "write the service's Kubernetes manifests"),
                                ("get-keys", _service_get_keys, "print the primary and secondary keys"),
                                ("regen-key", _service_regen_key, "regenerate the Primary or Secondary key")):
        sub = service.add_parser(verb, parents=[common], help=text)
        sub.add_argument("-n", "--name", required=True)
        if verb == "logs":
            sub.add_argument("-l", "--num-lines", type=int, default=5000)
        if verb == "run":
            sub.add_argument("-d", "--input-data")
            sub.add_argument("--input-file")
        if verb == "export":
            sub.add_argument("--kubernetes", metavar="DIR", help="write Deployment, Service, Secret and HPA YAML here")
        if verb == "regen-key":
            sub.add_argument("-k", "--key", choices=["Primary", "Secondary"], required=True)
        sub.set_defaults(handler=handler)

    compute = groups.add_parser("compute", help="attach and list compute targets (swarm, kubernetes)").add_subparsers(metavar="COMMAND")
    swarm = compute.add_parser("attach-swarm", parents=[common], help="attach this Docker engine's swarm")
    swarm.add_argument("-n", "--name", required=True)
    swarm.set_defaults(handler=_compute_attach_swarm)
    kube = compute.add_parser("attach-kubernetes", parents=[common], help="attach a Kubernetes cluster")
    kube.add_argument("-n", "--name", required=True)
    kube.add_argument("--kubeconfig")
    kube.add_argument("--context")
    kube.add_argument("--namespace", default="default")
    kube.add_argument("--registry", required=True, help="the registry the cluster's nodes pull images from")
    kube.set_defaults(handler=_compute_attach_kubernetes)
    compute.add_parser("list", parents=[common], help="list attached compute targets").set_defaults(handler=_compute_list)
    for verb, handler, text in (("show", _compute_show, "show a compute target"),
                                ("detach", _compute_detach, "forget a compute target")):
        sub = compute.add_parser(verb, parents=[common], help=text)
        sub.add_argument("-n", "--name", required=True)
        sub.set_defaults(handler=handler)
    _add_monitor_commands(service, common)

    image = groups.add_parser("image", help="the environment images").add_subparsers(metavar="COMMAND")
    image.add_parser("list", parents=[common], help="environment images: size, environments, services using them").set_defaults(handler=_image_list)
    image.add_parser("prune", parents=[common], help="remove every environment image no service uses (build stages included)").set_defaults(handler=_image_prune)
    base = groups.add_parser("base-image", help="the local base image").add_subparsers(metavar="COMMAND")
    base.add_parser("build", parents=[common], help="build the base image offline from Debian packages").set_defaults(handler=_base_image_build)
    return parser


if __name__ == "__main__":
    sys.exit(main())
