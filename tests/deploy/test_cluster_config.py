"""AksWebservice.deploy_configuration, Azure's AKS deploymentConfig.json, compute targets (no Docker needed)."""

import json

import pytest

from jupyter_deploy import AksWebservice, ComputeTarget, LocalWebservice, Model
from jupyter_deploy.deploy import load_deployment_config
from jupyter_deploy.deploy.keys import auth_headers, generate_keys, key_pair, regenerated
from jupyter_deploy.deploy.targets.aks_config import AksServiceDeploymentConfiguration
from jupyter_deploy.errors import (AuthKeyError, ComputeTargetError, ComputeTargetExists, ComputeTargetNotFound,
                                   ConfigFileError)


def test_defaults_as_on_azure():
    config = AksWebservice.deploy_configuration()
    assert config.auth_enabled is True and config.num_replicas == 1 and config.autoscale_enabled is False
    data = config.to_dict()
    assert data["computeType"] == "aks" and data["authEnabled"] is True
    assert config.probe() == {"periodSeconds": 10, "initialDelaySeconds": 310, "timeoutSeconds": 2, "failureThreshold": 3}


def test_round_trip_through_azure_schema(tmp_path):
    config = AksWebservice.deploy_configuration(num_replicas=2, cpu_cores=0.5, memory_gb=1, period_seconds=1,
                                                autoscale_max_replicas=4, scoring_timeout_ms=5000)
    path = tmp_path / "aksDeploymentConfig.json"
    path.write_text(json.dumps(config.to_dict()))
    loaded = load_deployment_config(path)
    assert isinstance(loaded, AksServiceDeploymentConfiguration)
    assert loaded.to_dict() == config.to_dict()
    assert loaded.to_dict()["containerResourceRequirements"] == {"cpu": 0.5, "memoryInGB": 1}


def test_azure_file_shape_is_read(tmp_path):
    path = tmp_path / "dc.json"
    path.write_text(json.dumps({"computeType": "aks", "numReplicas": 3, "authEnabled": False,
                                "containerResourceRequirements": {"cpu": 1, "memoryInGB": 2},
                                "autoScaler": {"autoscaleEnabled": True, "minReplicas": 2, "maxReplicas": 5,
                                               "targetUtilization": 60},
                                "livenessProbeRequirements": {"periodSeconds": 5, "failureThreshold": 2}}))
    config = load_deployment_config(path)
    assert (config.num_replicas, config.auth_enabled, config.autoscale_min_replicas, config.period_seconds) == (3, False, 2, 5)


@pytest.mark.parametrize("kwargs, words", [
    ({"num_replicas": 0}, "num_replicas"),
    ({"cpu_cores": -1}, "cpu_cores"),
    ({"autoscale_min_replicas": 5, "autoscale_max_replicas": 2}, "autoscale_min_replicas"),
    ({"token_auth_enabled": True}, "cannot both"),
    ({"auth_enabled": False, "token_auth_enabled": True}, "Active Directory"),
])
def test_mistakes_are_one_sentence(kwargs, words):
    with pytest.raises(ConfigFileError, match=words):
        AksWebservice.deploy_configuration(**kwargs)


def test_unknown_key_in_file(tmp_path):
    path = tmp_path / "dc.json"
    path.write_text(json.dumps({"computeType": "aks", "replicas": 2}))
    with pytest.raises(ConfigFileError, match="unknown key 'replicas'"):
        load_deployment_config(path)


def test_local_auth_enabled(tmp_path):
    assert LocalWebservice.deploy_configuration(auth_enabled=True).auth_enabled is True
    path = tmp_path / "dc.json"
    path.write_text(json.dumps({"computeType": "LOCAL", "authEnabled": True}))
    assert load_deployment_config(path).auth_enabled is True


def test_kubernetes_target_attach_list_detach(workspace):
    with pytest.raises(ComputeTargetError, match="registry"):
        ComputeTarget.attach_kubernetes(workspace, "kube")
    target = ComputeTarget.attach_kubernetes(workspace, "kube", namespace="ml", registry="registry.example.com/team/")
    assert target.type == "kubernetes" and target.config["registry"] == "registry.example.com/team"
    with pytest.raises(ComputeTargetExists):
        ComputeTarget.attach_kubernetes(workspace, "kube", registry="r")
    assert [t.name for t in ComputeTarget.list(workspace)] == ["kube"]
    ComputeTarget(workspace, "kube").detach()
    assert ComputeTarget.list(workspace) == []
    with pytest.raises(ComputeTargetNotFound):
        ComputeTarget(workspace, "kube")


def test_aks_config_needs_a_target(workspace, tmp_path):
    script = tmp_path / "score.py"
    script.write_text("def init():\n    pass\n\ndef run(data):\n    return data\n")
    from jupyter_deploy import InferenceConfig

    with pytest.raises(ComputeTargetError, match="deployment_target"):
        Model.deploy(workspace, "svc", [], InferenceConfig(str(script)), AksWebservice.deploy_configuration())


def test_keys():
    keys = generate_keys()
    assert len(keys["primaryKey"]) == 32 and keys["primaryKey"] != keys["secondaryKey"]
    assert auth_headers(keys) == {"Authorization": f"Bearer {keys['primaryKey']}"} and auth_headers(None) == {}
    again = regenerated(keys, "Secondary", "svc")
    assert again["primaryKey"] == keys["primaryKey"] and again["secondaryKey"] != keys["secondaryKey"]
    assert key_pair(again, "svc") == (again["primaryKey"], again["secondaryKey"])
    with pytest.raises(AuthKeyError):
        regenerated(keys, "Tertiary", "svc")
    with pytest.raises(AuthKeyError, match="key auth off"):
        key_pair(None, "svc")


def test_swarm_service_from_its_record_keeps_its_surface(workspace):
    """SwarmWebservice shares `targets/cluster_service.py` with the Kubernetes service: what it read from its
    record before is unchanged (no Docker needed for these)."""
    from jupyter_deploy.deploy import SwarmWebservice, attach_service
    from jupyter_deploy.deploy.records import load_record, save_record
    from jupyter_deploy.errors import ServiceNotFound

    keys = generate_keys()
    config = AksWebservice.deploy_configuration(num_replicas=2)
    save_record(workspace, {"name": "swarmed", "computeType": "AKS", "targetType": "swarm", "computeTarget": "sw",
                            "address": "127.0.0.1", "port": 8123, "image": "env:1", "serviceImage": "svc:1",
                            "models": [], "inference_config": {"entryScript": "score.py"},
                            "deployment_config": config.to_dict(), "keys": keys, "created_time": "t",
                            "failure": None})
    service = attach_service(workspace, "swarmed")
    assert isinstance(service, SwarmWebservice)
    assert service.scoring_uri == "http://127.0.0.1:8123/score"
    assert service.swagger_uri == "http://127.0.0.1:8123/swagger.json"
    assert repr(service) == "SwarmWebservice(name='swarmed', scoring_uri='http://127.0.0.1:8123/score', replicas=2)"
    assert service.get_keys() == (keys["primaryKey"], keys["secondaryKey"])
    assert service.auth_headers() == {"Authorization": f"Bearer {keys['primaryKey']}"}
    assert (service.num_replicas, service.compute_target, service.image) == (2, "sw", "env:1")
    save_record(workspace, {**load_record(workspace, "swarmed"), "failure": "gone"})  # Failed: no engine asked
    shape = service.serialize()
    assert (shape["state"], shape["computeType"], shape["computeTarget"], shape["replicas"], shape["authEnabled"],
            shape["imageId"], shape["port"]) == ("Failed", "AKS", "sw", 2, True, "svc:1", 8123)
    with pytest.raises(ServiceNotFound, match="No swarm service named 'nothing'"):
        SwarmWebservice(workspace, "nothing")
