"""`jupyter-deploy compute …` and the AKS deploy config on the command line (no Docker needed)."""

import json

from jupyter_deploy.cli import main


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
