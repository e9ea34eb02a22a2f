#!/usr/bin/env bash
# Everything a fresh Debian machine needs, idempotent: Docker engine (installed and started when `docker info`
# fails), mmdebstrap for the offline base image, docker-registry for the Kubernetes push test, this package with
# its test and example dependencies, and the base image itself when no python:X.Y-slim image is present.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
PYTHON="${PYTHON:-python3}"

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v chromium >/dev/null 2>&1 || missing+=(chromium chromium-driver)   # the browser test uses Debian's Chromium
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)   # the Kubernetes push test's local registry
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing ${missing[*]} from Debian"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  # Without the userland proxy, published 127.0.0.1 ports are forwarded by iptables instead of a docker-proxy
  # process per port: bench/results.md measures that proxy at ~30-40 % of a service's requests/s.
  echo "== starting dockerd --userland-proxy=false (log: /var/log/jupyter-deploy-dockerd.log)"
  $SUDO sh -c 'nohup dockerd --userland-proxy=false > /var/log/jupyter-deploy-dockerd.log 2>&1 &'
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/jupyter-deploy-dockerd.log" >&2; exit 1; }
fi

node_major=$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/')
if [ "${node_major:-0}" -lt 20 ]; then
  echo "Node.js >= 20 is needed to build the JupyterLab extension (found $(node --version 2>/dev/null || echo none)); install a newer nodejs." >&2
  exit 1
fi

echo "== installing jupyter-deploy, its JupyterLab extension (built from labextension/) and test/example dependencies"
"$PYTHON" -m pip install -q --disable-pip-version-check -e ".[test,examples]"
if [ ! -f jupyter_deploy/labextension/static/style.js ]; then
  (cd labextension && jlpm install --immutable && jlpm build)
fi

"$PYTHON" - <<'PY'
import sys
from jupyter_deploy.image import docker_client
from jupyter_deploy.errors import BaseImageMissing
from jupyter_deploy.image.base import build_base_image, resolve_base_image

client = docker_client()
try:
    print("== base image:", resolve_base_image(client))
except BaseImageMissing:
    print("== building the base image offline from Debian packages (about 20 s)")
    print("== base image:", build_base_image(client, on_log=lambda line: print(line.rstrip())))
PY
