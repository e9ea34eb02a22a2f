"""`jupyter-deploy compute …` and the AKS deploy config on the command line (no Docker needed)."""

import json
from pathlib import Path

import pytest

from jupyter_deploy.cli import main

SENTIMENT = Path(__file__).resolve().parents[2] / "examples" / "sentiment"


def _run(workspace, capsys, *args):
    code = main([*args, "-w", str(workspace.path)])
    out, err = capsys.readouterr()
    return code, out, err


def test_compute_attach_kubernetes_list_show_detach(workspace, capsys):
    code, out, err = _run(workspace, capsys, "compute", "attach-kubernetes", "-n", "kube", "--namespace", "ml",
                          "--registry", "registry.example.com/team", "-o", "json")
    assert code == 0 and json.loads(out)["namespace"] == "ml"
    code, out, _ = _run(workspace, capsys, "compute", "list", "-o", "json")
    assert [t["name"] for t in json.loads(out)] == ["kube"]
    code, out, _ = _run(workspace, capsys, "compute", "show", "-n", "kube", "-o", "json")
    assert json.loads(out)["type"] == "kubernetes"
    assert _run(workspace, capsys, "compute", "detach", "-n", "kube")[0] == 0
    code, _, err = _run(workspace, capsys, "compute", "show", "-n", "kube")
    assert code == 1 and err.startswith("error: No compute target named 'kube'") and "Traceback" not in err


def test_kubernetes_needs_a_registry_in_one_line(workspace, capsys):
    code, _, err = _run(workspace, capsys, "compute", "attach-kubernetes", "-n", "kube", "--registry", "")
    assert code == 1 and err.count("\n") == 1 and "registry" in err


def test_service_get_keys_of_unknown_service(workspace, capsys):
    code, _, err = _run(workspace, capsys, "service", "get-keys", "-n", "nothere")
    assert code == 1 and "No service named 'nothere'" in err


def test_model_package_writes_a_build_context(workspace, capsys, tmp_path):
    script = tmp_path / "score.py"
    script.write_text("def init():\n    pass\n\ndef run(data):\n    return data\n")
    out_dir = tmp_path / "ctx"
    code, out, err = _run(workspace, capsys, "model", "package", "--es", str(script), "--output-dir", str(out_dir), "-q")
    assert code == 0, err
    assert (out_dir / "Dockerfile").is_file() and (out_dir / "app" / "score.py").is_file()


@pytest.mark.parametrize("dc, ct, message", [
    ("aksDeploymentConfig.json", None, "An AKS deployment configuration needs deployment_target=ComputeTarget(ws, NAME) "
                                       "(CLI: --ct NAME)"),
    ("deploymentConfig.json", "kube", "A local deployment configuration takes no deployment_target"),
])
def test_the_sentiment_configurations_with_the_wrong_target_are_one_sentence(workspace, capsys, monkeypatch, dc, ct,
                                                                             message):
    """The sample's two deployment configurations: each names where it runs, a mismatch stops before any build."""
    monkeypatch.chdir(SENTIMENT)
    attached = _run(workspace, capsys, "compute", "attach-kubernetes", "-n", "kube", "--registry", "r.example.com/ml")
    assert attached[0] == 0
    code, _, err = _run(workspace, capsys, "model", "deploy", "-n", "sentiment", "--ic", "inferenceConfig.json",
                        "--dc", dc, *(("--ct", ct) if ct else ()))
    assert code == 1 and err.count("\n") == 1 and err.startswith(f"error: {message}") and "Traceback" not in err
