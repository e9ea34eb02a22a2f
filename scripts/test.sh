#!/usr/bin/env bash
# Set up this machine (scripts/setup.sh), then run the whole test suite: the lab extension's jest tests, then
# pytest — unit, real Docker, REST, the browser and the tutorial notebooks. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
echo "== jest: the lab extension's model and forms"
(cd labextension && jlpm test --silent) || exit 1
python3 -m pytest tests notebooks -p no:cacheprovider -ra \
  --nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here, the suite must run." >&2
  exit 1
fi
exit "$status"
