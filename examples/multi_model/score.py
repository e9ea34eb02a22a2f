import json
import os

# Deployed with two models, so AZUREML_MODEL_DIR is the azureml-models root and
# each model's files sit at <AZUREML_MODEL_DIR>/<model name>/<version>/<file>.
# This script expects models registered as "greeting" (greeting.json) and
# "scaler" (scaler.json). Version numbers depend on how often they were
# registered, so the version folder is discovered rather than hard-coded.


def get_model_file(model_name, file_name):
    model_root = os.path.join(os.getenv("AZUREML_MODEL_DIR"), model_name)
    versions = [entry for entry in os.listdir(model_root) if entry.isdigit()]
    latest_version = max(versions, key=int)
    return os.path.join(model_root, latest_version, file_name)


def init():
    global greeting, scaler

    with open(get_model_file("greeting", "greeting.json")) as handle:
        greeting = json.load(handle)
    with open(get_model_file("scaler", "scaler.json")) as handle:
        scaler = json.load(handle)


def run(data):
    try:
        data = json.loads(data)
        message = greeting["template"].format(name=data["name"])
        scaled = [(value - scaler["mean"]) / scaler["scale"] for value in data["values"]]
        return {"message": message, "scaled": scaled}
    except Exception as e:
        error = str(e)
        return error
