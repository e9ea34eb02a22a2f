#!/usr/bin/env bash
# Set up this machine (scripts/setup.sh), then run the whole test suite: unit, integration against the real
# Docker engine, end to end. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
python3 -m pytest tests notebooks -p no:cacheprovider -ra \
  --nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here, the suite must run." >&2
  exit 1
fi
exit "$status"
