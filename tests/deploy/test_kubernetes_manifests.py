"""Kubernetes manifests from the AKS configuration: built with the client's models, round-tripped, compared.

No cluster exists on this machine; these tests check the objects, not a cluster applying them.
"""

import json

import pytest
import yaml

from jupyter_deploy import AksWebservice
from jupyter_deploy.deploy.keys import generate_keys
from jupyter_deploy.deploy.records import save_record
from jupyter_deploy.deploy.targets.kubernetes import export_kubernetes, render_manifests, round_trip
from jupyter_deploy.deploy.targets.kubernetes.manifests import to_dict

pytest.importorskip("kubernetes")


def _by_kind(objects):
    return {doc["kind"]: doc for doc in map(to_dict, objects)}


def test_deployment_service_secret_hpa():
    keys = generate_keys()
    config = AksWebservice.deploy_configuration(num_replicas=2, cpu_cores=0.5, memory_gb=1, autoscale_enabled=True,
                                                autoscale_min_replicas=2, autoscale_max_replicas=6, period_seconds=5)
    docs = _by_kind(render_manifests("sentiment", "registry.example.com/sentiment:1", config, keys, "ml"))
    assert set(docs) == {"Secret", "Deployment", "Service", "HorizontalPodAutoscaler"}
    deployment = docs["Deployment"]
    assert deployment["apiVersion"] == "apps/v1" and deployment["metadata"]["namespace"] == "ml"
    assert "replicas" not in deployment["spec"]  # the autoscaler owns the count
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"] == {"limits": {"cpu": "500m", "memory": "1024Mi"},
                                      "requests": {"cpu": "500m", "memory": "1024Mi"}}
    assert container["readinessProbe"] == {"httpGet": {"path": "/ready", "port": 5001}, "periodSeconds": 5,
                                           "timeoutSeconds": 2, "failureThreshold": 3}
    assert container["livenessProbe"]["httpGet"] == {"path": "/", "port": 5001}
    assert container["livenessProbe"]["initialDelaySeconds"] == 310
    assert {"name": "AZUREML_KEYS_FILE", "value": "/var/run/jupyter-deploy/jupyter-deploy-keys.json"} in container["env"]
    assert json.loads(docs["Secret"]["stringData"]["jupyter-deploy-keys.json"]) == keys
    assert docs["Service"]["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 5001}]
    hpa = docs["HorizontalPodAutoscaler"]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 6)
    assert hpa["metrics"][0]["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}


def test_round_trip_through_the_client_models():
    objects = render_manifests("svc", "img:1", AksWebservice.deploy_configuration(autoscale_enabled=True),
                               generate_keys())
    for obj in objects:
        document = to_dict(obj)
        back = round_trip(document)
        assert type(back) is type(obj) and back == obj


def test_without_auth_or_autoscale_there_is_no_secret_nor_hpa():
    docs = _by_kind(render_manifests("svc", "img:1", AksWebservice.deploy_configuration(num_replicas=3,
                                                                                       auth_enabled=False), None))
    assert set(docs) == {"Deployment", "Service"}
    assert docs["Deployment"]["spec"]["replicas"] == 3
    assert "env" not in docs["Deployment"]["spec"]["template"]["spec"]["containers"][0]


def test_export_writes_yaml_from_the_record(workspace, tmp_path):
    config = AksWebservice.deploy_configuration(num_replicas=2)
    save_record(workspace, {"name": "svc", "computeType": "AKS", "models": [], "image": "env:1",
                            "serviceImage": "jupyter-deploy/service:svc-1", "deployment_config": config.to_dict(),
                            "keys": generate_keys(), "inference_config": {}})
    paths = export_kubernetes(workspace, "svc", tmp_path / "k8s")
    assert sorted(p.name for p in paths) == ["deployment.yaml", "secret.yaml", "service.yaml"]
    deployment = yaml.safe_load((tmp_path / "k8s" / "deployment.yaml").read_text())
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "jupyter-deploy/service:svc-1"
    assert round_trip(deployment).spec.replicas == 2
