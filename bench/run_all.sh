#!/usr/bin/env bash
# All benchmarks in one go; pass --quick for a few minutes instead of ~20.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 bench/deploy_loop.py "$@"
python3 bench/scoring.py "$@"
