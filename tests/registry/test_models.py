"""The model registry: versions, layout, metadata, atomicity and the mistakes users make."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys

import pytest

from jupyter_deploy import Model, Workspace
from jupyter_deploy.errors import InvalidModelName, ModelInUse, ModelNotFound, ModelPathError
from jupyter_deploy.registry import files as model_files
from jupyter_deploy.environment import save_environment, get_environment, stored_environments


def make_models_folder(root):
    folder = root / "models"
    (folder / "sub").mkdir(parents=True)
    (folder / "model.h5").write_bytes(b"weights" * 1000)
    (folder / "tokenizer.pkl").write_bytes(b"tok")
    (folder / "sub" / "extra.txt").write_text("x")
    return folder


def test_folder_keeps_its_name_and_versions_count_up(workspace, tmp_path):
    folder = make_models_folder(tmp_path)
    first = Model.register(workspace, model_path=str(folder), model_name="sentiment", description="d",
                           tags={"area": "nlp"}, properties={"accuracy": 0.9}, model_framework="Keras",
                           model_framework_version="3.0")
    second = Model.register(workspace, model_path=folder, model_name="sentiment")
    assert (first.version, second.version) == (1, 2)
    assert sorted(p.name for p in first.path.iterdir()) == ["models"]
    assert (first.path / "models" / "model.h5").read_bytes() == b"weights" * 1000
    assert (first.path / "models" / "sub" / "extra.txt").exists()
    files = {f["path"]: f for f in first.files}
    assert set(files) == {"models/model.h5", "models/sub/extra.txt", "models/tokenizer.pkl"}
    assert files["models/model.h5"]["sha256"] == hashlib.sha256(b"weights" * 1000).hexdigest()
    assert files["models/model.h5"]["size"] == 7000
    assert first.tags == {"area": "nlp"} and first.properties == {"accuracy": "0.9"}
    assert first.model_framework == "Keras" and first.created_time
    assert first.id == "sentiment:1"


def test_single_file_stays_at_the_top(workspace, tmp_path):
    file = tmp_path / "model.pkl"
    file.write_bytes(b"pickle")
    model = Model.register(workspace, model_path=file, model_name="clf")
    assert [p.name for p in model.path.iterdir()] == ["model.pkl"]
    assert Model.get_model_path("clf", _workspace=workspace) == str(model.path / "model.pkl")


def test_lookup_list_download_and_tags(workspace, tmp_path):
    folder = make_models_folder(tmp_path)
    Model.register(workspace, folder, "a", tags={"stage": "dev"})
    Model.register(workspace, folder, "a", tags={"stage": "prod"})
    Model.register(workspace, folder, "b")
    assert Model(workspace, "a").version == 2
    assert Model(workspace, "a", version=1).tags == {"stage": "dev"}
    assert Model(workspace, id="a:1").version == 1
    assert [m.id for m in Model.list(workspace)] == ["a:2", "a:1", "b:1"]
    assert [m.id for m in Model.list(workspace, name="a", tags=[["stage", "prod"]])] == ["a:2"]
    assert [m.id for m in Model.list(workspace, tags=["stage"])] == ["a:2", "a:1"]
    assert [m.id for m in Model.list(workspace, latest=True)] == ["a:2", "b:1"]
    model = Model(workspace, "a", version=1)
    model.add_tags({"owner": "me"})
    model.remove_tags(["stage"])
    assert Model(workspace, "a", version=1).tags == {"owner": "me"}
    downloaded = model.download(tmp_path / "out")
    assert downloaded == str(tmp_path / "out" / "models")
    assert (tmp_path / "out" / "models" / "tokenizer.pkl").read_bytes() == b"tok"
    with pytest.raises(ModelPathError, match="already exists"):
        model.download(tmp_path / "out")


def test_registered_files_are_immutable_copies(workspace, tmp_path):
    folder = make_models_folder(tmp_path)
    model = Model.register(workspace, folder, "a")
    (folder / "model.h5").write_bytes(b"changed")
    assert (model.path / "models" / "model.h5").read_bytes() == b"weights" * 1000


@pytest.mark.parametrize("name", ["", "has space", "slash/name", "../up", ".hidden", "x" * 256, "ümlaut"])
def test_invalid_model_names(workspace, tmp_path, name):
    file = tmp_path / "m.bin"
    file.write_bytes(b"1")
    with pytest.raises(InvalidModelName, match="letters, digits"):
        Model.register(workspace, file, name)


def test_valid_edge_names(workspace, tmp_path):
    file = tmp_path / "m.bin"
    file.write_bytes(b"1")
    assert Model.register(workspace, file, "A-b_c.1" + "x" * 248).version == 1


def test_missing_path_and_empty_folder(workspace, tmp_path):
    with pytest.raises(ModelPathError, match="does not exist"):
        Model.register(workspace, tmp_path / "nope", "a")
    (tmp_path / "empty" / "deeper").mkdir(parents=True)
    with pytest.raises(ModelPathError, match="contains no files"):
        Model.register(workspace, tmp_path / "empty", "a")
    assert Model.list(workspace) == []


def test_symlink_outside_the_folder_is_refused(workspace, tmp_path):
    folder = make_models_folder(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    os.symlink(secret, folder / "leak.txt")
    with pytest.raises(ModelPathError, match="symlink leading outside"):
        Model.register(workspace, folder, "a")
    assert Model.list(workspace) == []
    assert list(workspace.staging_dir.iterdir()) == []


def test_symlink_inside_the_folder_is_followed(workspace, tmp_path):
    folder = make_models_folder(tmp_path)
    os.symlink(folder / "model.h5", folder / "alias.h5")
    os.symlink(folder / "sub", folder / "linked")
    model = Model.register(workspace, folder, "a")
    paths = {f["path"] for f in model.files}
    assert {"models/alias.h5", "models/linked/extra.txt"} <= paths


def test_child_paths_pick_files(workspace, tmp_path):
    folder = make_models_folder(tmp_path)
    model = Model.register(workspace, folder, "a", child_paths=["model.h5", "sub"])
    assert {f["path"] for f in model.files} == {"models/model.h5", "models/sub/extra.txt"}
    with pytest.raises(ModelPathError, match="not inside"):
        Model.register(workspace, folder, "a", child_paths=["missing.bin"])


def test_unknown_model_and_version(workspace, tmp_path):
    with pytest.raises(ModelNotFound, match="No model named 'ghost'"):
        Model(workspace, "ghost")
    file = tmp_path / "m.bin"
    file.write_bytes(b"1")
    Model.register(workspace, file, "a")
    with pytest.raises(ModelNotFound, match="no version 7"):
        Model(workspace, "a", version=7)


def test_failed_copy_leaves_no_version(workspace, tmp_path, monkeypatch):
    folder = make_models_folder(tmp_path)
    real_copy = model_files.copy_and_hash
    calls = []

    def failing_copy(source, dest):
        calls.append(source)
        if len(calls) == 2:
            raise KeyboardInterrupt  # what Ctrl-C in the middle of a large copy looks like
        return real_copy(source, dest)

    monkeypatch.setattr("jupyter_deploy.registry.models.copy_and_hash", failing_copy)
    with pytest.raises(KeyboardInterrupt):
        Model.register(workspace, folder, "a")
    assert Model.list(workspace) == []
    assert list(workspace.staging_dir.iterdir()) == []
    assert not (workspace.models_dir / "a").exists() or not any((workspace.models_dir / "a").iterdir())


def test_failed_commit_removes_the_published_folder(workspace, tmp_path, monkeypatch):
    folder = make_models_folder(tmp_path)
    Model.register(workspace, folder, "a")
    # A file row that violates the primary key makes the INSERT fail after the folder was renamed into place.
    monkeypatch.setattr("jupyter_deploy.registry.models._check_unique_destinations", lambda sources: None)
    sources = model_files.collect_sources(folder)
    with pytest.raises(sqlite3.IntegrityError):
        Model._register_sources(workspace, "a", sources + sources[:1])
    assert [m.version for m in Model.list(workspace, name="a")] == [1]
    assert not (workspace.models_dir / "a" / "2").exists()


def test_concurrent_registrations_get_distinct_versions(tmp_path):
    """Eight separate processes register the same name at once (subprocesses: no multiprocessing state)."""
    folder = make_models_folder(tmp_path)
    workspace_path = tmp_path / "ws"
    Workspace(workspace_path)
    code = ("import sys; from jupyter_deploy import Model, Workspace; "
            "print(Model.register(Workspace(sys.argv[1]), sys.argv[2], 'shared').version)")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(workspace_path), str(folder)], stdout=subprocess.PIPE, text=True)
             for _ in range(8)]
    versions = [int(proc.communicate(timeout=120)[0]) for proc in procs]
    assert sorted(versions) == list(range(1, 9))
    listed = Model.list(Workspace(workspace_path), name="shared")
    assert sorted(m.version for m in listed) == list(range(1, 9))
    for model in listed:
        assert (model.path / "models" / "model.h5").exists()


def test_delete_refused_while_a_service_uses_it(workspace, tmp_path):
    file = tmp_path / "m.bin"
    file.write_bytes(b"1")
    model = Model.register(workspace, file, "a")
    with workspace.catalogue.write() as sql:
        sql.save_service_record({"name": "svc"}, [("a", 1)])
    with pytest.raises(ModelInUse, match="used by service 'svc'"):
        model.delete()
    with workspace.catalogue.write() as sql:
        sql.delete_service_record("svc")
    model.delete()
    assert Model.list(workspace) == []
    assert not model.path.exists()


def test_workspace_location_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_DEPLOY_HOME", str(tmp_path / "home"))
    assert Workspace().path == (tmp_path / "home").resolve()
    assert Workspace.from_config().path == (tmp_path / "home").resolve()
    assert Workspace(tmp_path / "other").path == (tmp_path / "other").resolve()


def test_copy_and_hash_large_file(tmp_path):
    data = os.urandom(model_files.CHUNK_BYTES * 2 + 123)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    stored = model_files.copy_and_hash(source, tmp_path / "copy" / "big.bin")
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert (tmp_path / "copy" / "big.bin").read_bytes() == data


def test_workspace_remembers_environments_and_scripts(workspace, tmp_path):
    from jupyter_deploy import Environment
    from jupyter_deploy.errors import EnvironmentSpecError

    env = Environment("nlp")
    env.environment_variables = {"A": "1"}
    save_environment(workspace, env)
    assert [e['name'] for e in stored_environments(workspace)] == ["nlp"]
    assert get_environment(workspace, "nlp").environment_variables == {"A": "1"}
    with pytest.raises(EnvironmentSpecError, match="No environment named 'cv'.*stored: nlp"):
        get_environment(workspace, "cv")
    script = tmp_path / "score.py"
    script.write_text("def init(): pass\ndef run(data): return data\n")
    workspace.record_script(script)
    workspace.record_script(tmp_path / "gone.py")
    assert [s["path"] for s in workspace.known_scripts()] == [str(script.resolve())]
