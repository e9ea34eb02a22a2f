"""How a local service's port reaches 127.0.0.1: the host's own network, or a port the engine publishes.

A port published by an engine that runs Docker's default userland proxy (most engines; ours from
`scripts/setup.sh` is the exception) goes through `docker-proxy`, one process copying every byte: measured
at c=32 on the trivial script, that halves the requests a second (bench/engine_proxy.py). So when the
engine shares this machine's network namespace, the container joins the host's network and the runtime
listens on 127.0.0.1 only (``SERVER_HOST``/``SERVER_PORT``): no proxy, no NAT, and still reachable from
this machine alone. Anywhere else (Docker Desktop's VM, a rootless engine, a remote ``DOCKER_HOST``, a
notebook running in a container that talks to the host's engine) the host's 127.0.0.1 is not ours, and
the service keeps its own bridge network with the port published on 127.0.0.1.

What host networking gives up, deliberately: the container shares the machine's network stack, so code in
it can reach other programs listening on this machine's loopback (as any local process can); it still
cannot be reached from other machines or from containers on the engine's bridges. Set
``JUPYTER_DEPLOY_NETWORK=bridge`` to keep every service on its own bridge (``host`` to insist; ``auto``,
the default, decides as above).
"""

from __future__ import annotations

import os
import socket
import sys

from ....errors import InvalidSetting

ENV_NETWORK = "JUPYTER_DEPLOY_NETWORK"
HOST = "host"
BRIDGE = "bridge"
_CHOICES = ("auto", HOST, BRIDGE)


def choose_network(client) -> str:
    """HOST or BRIDGE for a new local service, from ``JUPYTER_DEPLOY_NETWORK`` and what the engine is."""
    wanted = (os.environ.get(ENV_NETWORK) or "auto").strip().lower()
    if wanted not in _CHOICES:
        raise InvalidSetting(
            f"{ENV_NETWORK}={wanted!r} is not one of auto, host, bridge; unset it to let jupyter-deploy choose."
        )
    if wanted != "auto":
        return wanted
    return HOST if engine_shares_our_network(client) else BRIDGE


def engine_shares_our_network(client) -> bool:
    """True when a container on the engine's host network sees the same 127.0.0.1 as this process."""
    docker_host = os.environ.get("DOCKER_HOST", "")
    if sys.platform != "linux" or (docker_host and not docker_host.startswith("unix://")):
        return False
    try:
        info = client.info()
    except Exception:  # the deploy reports an unreachable engine itself, in its own words
        return False
    if info.get("OSType") != "linux" or "docker desktop" in str(info.get("OperatingSystem", "")).lower():
        return False
    if any("rootless" in str(option) for option in info.get("SecurityOptions") or []):
        return False  # rootlesskit gives the engine a network namespace of its own
    return str(info.get("Name", "")) == socket.gethostname()  # not so inside a container that uses the host's engine
