"""Issue 9.5: the exact inputs that printed Python tracebacks now print one sentence and exit 1."""

from __future__ import annotations

import sqlite3

import pytest

from jupyter_deploy import Model, Workspace
from jupyter_deploy.cli import main
from jupyter_deploy.errors import CatalogueDamaged, WorkspaceError


def run(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_sentence(code, err, fragment):
    assert code == 1, err
    assert fragment in err, err
    assert err.count("\n") == 1 and "Traceback" not in err, err


def test_service_run_with_missing_input_file(capsys, workspace, tmp_path):
    code, _, err = run(capsys, "service", "run", "-n", "x", "--input-file", str(tmp_path / "nope.json"),
                       "-w", str(workspace.path))
    assert_one_sentence(code, err, "--input-file")
    assert "No such file or directory" in err


def test_service_run_with_input_file_that_is_not_utf8(capsys, workspace, tmp_path):
    body = tmp_path / "body.json"
    body.write_bytes(b"\xff\xfe{}")
    code, _, err = run(capsys, "service", "run", "-n", "x", "--input-file", str(body), "-w", str(workspace.path))
    assert_one_sentence(code, err, "is not UTF-8 text")


@pytest.mark.parametrize("where, fragment", [
    ("/etc/hostname", "'/etc/hostname' is a file, not a folder"),
    ("/proc/jd", "Cannot use '/proc/jd' as a workspace"),
])
def test_model_list_in_an_unusable_workspace(capsys, where, fragment):
    code, _, err = run(capsys, "model", "list", "-w", where)
    assert_one_sentence(code, err, fragment)


def test_model_download_to_an_unwritable_target(capsys, workspace, tmp_path):
    folder = tmp_path / "good"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(b"w")
    Model.register(workspace, folder, "good")
    code, _, err = run(capsys, "model", "download", "-i", "good:1", "-t", "/proc/jd-target", "-w", str(workspace.path))
    assert_one_sentence(code, err, "Cannot download good:1 to '/proc/jd-target'")


def test_corrupt_catalogue_names_the_file_and_the_way_out(capsys, tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.catalogue_path.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (tmp_path / "ws" / f"catalogue.sqlite{suffix}").unlink(missing_ok=True)
    code, _, err = run(capsys, "model", "list", "-w", str(tmp_path / "ws"))
    assert_one_sentence(code, err, f"The workspace catalogue {ws.catalogue_path} is damaged")
    assert "move it aside" in err and ".damaged" in err
    with pytest.raises(CatalogueDamaged):
        Workspace(tmp_path / "ws")
    # Following the advice works: the next command starts an empty catalogue.
    ws.catalogue_path.rename(ws.catalogue_path.with_name("catalogue.sqlite.damaged"))
    code, out, err = run(capsys, "model", "list", "-w", str(tmp_path / "ws"), "-o", "json")
    assert code == 0 and out.strip() == "[]", err


def test_constraint_errors_are_not_reported_as_damage(workspace):
    with pytest.raises(sqlite3.IntegrityError):
        with workspace.catalogue.write() as sql:
            for _ in range(2):
                sql.db.execute("INSERT INTO services (name, record) VALUES ('same', '{}')")


def test_workspace_path_that_is_a_file_is_one_sentence(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WorkspaceError, match="is a file, not a folder"):
        Workspace(blocker / "inside")


@pytest.mark.parametrize("port", ["1", "80", "1023", "65536", "0"])
def test_deploy_refuses_ports_outside_1024_to_65535(capsys, workspace, tmp_path, port):
    script = tmp_path / "score.py"
    script.write_text("def init():\n    pass\n\ndef run(data):\n    return data\n")
    code, _, err = run(capsys, "model", "deploy", "-n", "echo", "--es", str(script), "--port", port,
                       "-w", str(workspace.path))
    assert_one_sentence(code, err, f"Port {port} cannot be used for a service; use a number from 1024 to 65535")


def test_unworded_os_error_still_becomes_one_sentence(capsys, workspace, monkeypatch):
    def broken(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied", "/somewhere/secret")

    monkeypatch.setattr(Model, "list", broken)
    code, _, err = run(capsys, "model", "list", "-w", str(workspace.path))
    assert_one_sentence(code, err, "Cannot use '/somewhere/secret': Permission denied")
