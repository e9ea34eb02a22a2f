"""The service image, pushed to the registry the cluster's nodes pull from (`<registry>/<service>:<content tag>`).

A Kubernetes node cannot see this host's Docker engine: the image the swarm target runs in place (environment
image + models layer, `prepare.build_service_image`) is tagged into the target's registry and pushed through the
same engine, with the engine's own credentials (`docker login REGISTRY`). The tag is the content hash of the
layer, so pushing the same content again uploads nothing and the Deployment's image changes only when the content
does. Every error the engine streams back becomes one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ....errors import RegistryPushError
from ...progress import Progress


@dataclass
class PushedImage:
    reference: str  # what the Deployment names: <registry>/<service>:<tag>
    digest: Optional[str]  # sha256:… as the registry stored it (None if the engine did not say)
    created_tag: bool  # the registry tag was new on this engine (ours to remove)


def registry_reference(registry: str, name: str, local_tag: str) -> tuple[str, str]:
    """(repository, tag) in the registry for the local service image `jupyter-deploy/service:<name>-<hash>`."""
    tag = local_tag.rsplit(":", 1)[1]
    if tag.startswith(f"{name}-"):
        tag = tag[len(name) + 1:]
    return f"{registry.rstrip('/')}/{name}", tag


def push_service_image(client, local_tag: str, registry: str, name: str, report: Progress) -> PushedImage:
    """Tag `local_tag` into `registry` and push it, reporting each layer's progress as ("image", line)."""
    import docker.errors
    import requests

    repository, tag = registry_reference(registry, name, local_tag)
    reference = f"{repository}:{tag}"
    host = registry_host(registry)
    try:
        client.images.get(reference)
        created = False
    except docker.errors.ImageNotFound:
        created = True
    except docker.errors.APIError:
        created = True
    try:
        if created and not client.images.get(local_tag).tag(repository, tag):
            raise RegistryPushError(f"The Docker engine could not tag {local_tag} as {reference}; check the target's "
                                    "registry (host[:port]/path, lowercase).")
    except docker.errors.APIError as error:
        raise RegistryPushError(f"The Docker engine could not tag {local_tag} as {reference} "
                                f"({error.explanation or error}); check the target's registry (host[:port]/path, "
                                "lowercase).") from None
    report("image", f"Pushing {reference}")
    digest, failure, seen = None, None, {}
    try:
        for chunk in client.api.push(repository, tag=tag, stream=True, decode=True):
            if chunk.get("error") or chunk.get("errorDetail"):
                failure = (chunk.get("errorDetail") or {}).get("message") or chunk.get("error")
                break
            digest = (chunk.get("aux") or {}).get("Digest") or digest
            status, layer = chunk.get("status"), chunk.get("id")
            if status and seen.get(layer) != status:  # one line per layer and step, not per progress tick
                seen[layer] = status
                report("image", f"{layer}: {status}" if layer else status)
    except docker.errors.APIError as error:
        failure = str(error.explanation or error)
    except requests.RequestException as error:
        failure = f"the Docker engine stopped answering: {error}"
    if failure:
        if created:
            _untag(client, reference)
        raise RegistryPushError(push_failure_sentence(failure, reference, host))
    report("image", f"Pushed {reference}" + (f" ({digest})" if digest else ""))
    return PushedImage(reference, digest, created)


def registry_host(registry: str) -> str:
    """What `docker login` takes: the registry's host[:port]."""
    return registry.split("/", 1)[0]


def push_failure_sentence(message: str, reference: str, host: str) -> str:
    text = str(message).strip().rstrip(".")
    lower = text.lower()
    if any(word in lower for word in ("unauthorized", "authentication required", "no basic auth credentials",
                                      "denied", "forbidden")):
        return (f"The registry {host} refused to take {reference} ({text}); run `docker login {host}` with an "
                "account allowed to push there, then deploy again.")
    if "server gave http response to https client" in lower:
        return (f"The registry {host} speaks plain HTTP, which the Docker engine uses only for registries it "
                f"lists as insecure; add \"{host}\" to \"insecure-registries\" in /etc/docker/daemon.json and "
                "restart the engine, or serve the registry over HTTPS.")
    if "x509" in lower or "certificate" in lower:
        return (f"The Docker engine does not trust the certificate of the registry {host} ({text}); install its CA "
                f"under /etc/docker/certs.d/{host}/ca.crt, then deploy again.")
    if any(word in lower for word in ("connection refused", "no such host", "dial tcp", "i/o timeout", "timeout",
                                      "network is unreachable", "no route to host", "connection reset", "eof")):
        return (f"The registry {host} cannot be reached from this Docker engine ({text}); check the target's "
                "registry address and that the registry is up, then deploy again.")
    return f"Pushing {reference} to the registry {host} failed: {text}."


def remove_tags(client, tags) -> None:
    """Untag images by name (only tags this service created); an image still used by another tag stays."""
    for tag in tags:
        if tag:
            _untag(client, tag)


def _untag(client, tag: str) -> None:
    try:
        client.images.remove(tag)
    except Exception:  # already gone, or held by a container: nothing of the service depends on it
        pass
