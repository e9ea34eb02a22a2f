"""The `jupyter-deploy` command without Docker: registry commands, JSON output, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from jupyter_deploy.cli import main


@pytest.fixture
def run_cli(workspace, capsys):
    def run(*args):
        code = main([*args, "-w", str(workspace.path)] if args[0] != "--help" else list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run


def make_folder(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "model.h5").write_bytes(b"w")
    return folder


def test_register_list_show_download_delete(run_cli, tmp_path):
    folder = make_folder(tmp_path)
    code, out, err = run_cli("model", "register", "-p", str(folder), "-n", "sentiment", "-d", "demo",
                             "--tag", "area=nlp", "--property", "acc=0.9", "-o", "json")
    assert code == 0, err
    registered = json.loads(out)
    assert registered["id"] == "sentiment:1" and registered["tags"] == {"area": "nlp"}
    assert registered["files"][0]["path"] == "models/model.h5"

    code, out, _ = run_cli("model", "list")
    assert code == 0 and "sentiment" in out and "area=nlp" in out

    code, out, _ = run_cli("model", "show", "-i", "sentiment:1", "-o", "json")
    assert json.loads(out)["properties"] == {"acc": "0.9"}

    code, out, _ = run_cli("model", "download", "-n", "sentiment", "-t", str(tmp_path / "dl"), "-o", "json")
    assert code == 0 and (tmp_path / "dl" / "models" / "model.h5").exists()

    code, out, _ = run_cli("model", "delete", "-i", "sentiment:1")
    assert code == 0 and "Deleted model sentiment:1" in out
    code, out, _ = run_cli("model", "list", "-o", "json")
    assert json.loads(out) == []


@pytest.mark.parametrize("args, message", [
    (("model", "register", "-p", "/no/such/path", "-n", "x"), "does not exist"),
    (("model", "register", "-p", ".", "-n", "bad name"), "Invalid model name"),
    (("model", "register", "-p", ".", "-n", "x", "--tag", "novalue"), "--tag takes key=value"),
    (("model", "show", "-i", "ghost:1"), "No model named 'ghost'"),
    (("model", "show"), "Say which model"),
    (("service", "show", "-n", "ghost"), "No service named 'ghost'"),
])
def test_mistakes_are_one_line_errors(run_cli, args, message):
    code, out, err = run_cli(*args)
    assert code == 1
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_deploy_with_malformed_config_fails_before_docker(run_cli, tmp_path):
    bad = tmp_path / "inferenceConfig.json"
    bad.write_text("{ not json")
    code, _, err = run_cli("model", "deploy", "-n", "svc", "--ic", str(bad))
    assert code == 1 and "inferenceConfig.json, line 1" in err


def test_script_without_run_is_refused(run_cli, tmp_path):
    (tmp_path / "score.py").write_text("def init():\n    pass\n")
    (tmp_path / "inferenceConfig.json").write_text(json.dumps({"entryScript": "score.py", "runtime": "python"}))
    code, _, err = run_cli("model", "deploy", "-n", "svc", "--ic", str(tmp_path / "inferenceConfig.json"))
    assert code == 1 and "no run() function" in err


def test_console_script_entry_point(tmp_path):
    result = subprocess.run([sys.executable, "-m", "jupyter_deploy.cli", "model", "list", "-w", str(tmp_path), "-o", "json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_argument_errors_exit_2(run_cli):
    with pytest.raises(SystemExit) as exit_info:
        main(["model", "register", "-n", "x"])
    assert exit_info.value.code == 2
