#!/usr/bin/env bash
# The main job, end to end on a fresh machine: set up, train the small keras + gensim sentiment model, register
# it, deploy it to local Docker with its Azure-style score.py / myenv.yml / inferenceConfig.json, and score
# {"text": "Today is a great day!"}. KEEP_SERVICE=1 leaves the service running afterwards.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bash "$repo/scripts/setup.sh"

work="$(mktemp -d -t jupyter-deploy-demo.XXXXXX)"
cp "$repo"/examples/sentiment/{score.py,myenv.yml,inferenceConfig.json,deploymentConfig.json} "$work"/
echo "== training the example model into $work/models"
python3 "$repo/examples/sentiment/make_model.py" "$work"
cd "$work"

echo "== jupyter-deploy model register -p ./models -n sentiment"
model_id=$(jupyter-deploy model register -p ./models -n sentiment -d "Twitter-style sentiment (keras + gensim)" \
  --tag example=sentiment -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
echo "registered $model_id"

echo "== jupyter-deploy model deploy -n sentiment-demo -m $model_id --ic inferenceConfig.json --dc deploymentConfig.json"
jupyter-deploy model deploy -n sentiment-demo -m "$model_id" --ic inferenceConfig.json --dc deploymentConfig.json --overwrite
scoring_uri=$(jupyter-deploy service show -n sentiment-demo -o json | python3 -c 'import json, sys; print(json.load(sys.stdin)["scoringUri"])')

echo "== scoring at $scoring_uri"
python3 - "$scoring_uri" <<'PY'
import json, sys
import requests

response = requests.post(sys.argv[1], data=json.dumps({"text": "Today is a great day!"}),
                         headers={"Content-Type": "application/json"}, timeout=60)
print("HTTP", response.status_code, response.json())
assert response.status_code == 200 and response.json()["label"] == "POSITIVE", "the demo service answered unexpectedly"
PY

if [ "${KEEP_SERVICE:-0}" = "1" ]; then
  echo "== sentiment-demo keeps running at $scoring_uri (jupyter-deploy service delete -n sentiment-demo stops it)"
else
  jupyter-deploy service delete -n sentiment-demo
fi
