"""Issue 9.4: staging left by a registration killed with SIGKILL is reclaimed, never while a copier is alive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from jupyter_deploy import Model, Workspace
from jupyter_deploy.registry.staging import reclaim_staging, staging_folder

# The child copies one large file for real, then stops inside the copy of the second one, still holding its
# staging lock: what a registration looks like at the moment it is SIGKILLed. The kill itself is real.
STALLING_REGISTER = textwrap.dedent("""
    import sys, threading
    import jupyter_deploy.registry.models as models
    from jupyter_deploy import Model, Workspace

    real_copy = models.copy_and_hash
    calls = []

    def copy_then_stall(source, dest):
        calls.append(source)
        result = real_copy(source, dest)
        if len(calls) == 2:
            print("copying", flush=True)
            threading.Event().wait()
        return result

    models.copy_and_hash = copy_then_stall
    Model.register(Workspace(sys.argv[1]), sys.argv[2], "big")
""")


@pytest.fixture
def big_folder(tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    with open(folder / "a-weights.bin", "wb") as handle:
        handle.write(os.urandom(1024 * 1024) * 48)  # 48 MiB, copied for real before the kill
    (folder / "b-vocab.txt").write_text("word\n" * 1000)
    return folder


def staged_bytes(workspace: Workspace) -> int:
    return sum(path.stat().st_size for path in workspace.staging_dir.rglob("*") if path.is_file())


def test_staging_of_a_sigkilled_register_is_reclaimed_but_not_while_it_copies(tmp_path, big_folder):
    workspace_path = tmp_path / "ws"
    workspace = Workspace(workspace_path)
    child = subprocess.Popen([sys.executable, "-c", STALLING_REGISTER, str(workspace_path), str(big_folder)],
                             stdout=subprocess.PIPE, text=True, env={**os.environ})
    try:
        assert child.stdout.readline().strip() == "copying"
        # Opening the workspace while the copier is alive must leave its staging alone.
        Workspace(workspace_path)
        assert staged_bytes(workspace) >= 48 * 1024 * 1024
        assert reclaim_staging(workspace.staging_dir) == []
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert staged_bytes(workspace) >= 48 * 1024 * 1024  # what SIGKILL leaves: no finally ran
    assert Model.list(workspace) == []  # and no version was published
    Workspace(workspace_path)  # the next open reclaims it
    assert list(workspace.staging_dir.iterdir()) == []
    assert Model.register(workspace, big_folder, "big").version == 1


def test_leftovers_without_a_lock_file_are_reclaimed(workspace):
    (workspace.staging_dir / "0123abcd").mkdir()
    (workspace.staging_dir / "0123abcd" / "half.bin").write_bytes(b"x" * 10)
    (workspace.staging_dir / "deleted-feed").mkdir()  # a delete killed between its rename and its rmtree
    (workspace.staging_dir / "orphan.lock").write_text("")
    assert sorted(reclaim_staging(workspace.staging_dir)) == ["0123abcd", "deleted-feed", "orphan"]
    assert list(workspace.staging_dir.iterdir()) == []


def test_a_held_staging_folder_survives_reclaim_and_is_removed_when_done(workspace):
    with staging_folder(workspace.staging_dir) as folder:
        (folder / "part").write_bytes(b"x")
        assert reclaim_staging(workspace.staging_dir) == []
        assert folder.is_dir()
    assert list(workspace.staging_dir.iterdir()) == []


CONCURRENT_REGISTER = textwrap.dedent("""
    import sys
    from concurrent.futures import ThreadPoolExecutor
    from jupyter_deploy import Model, Workspace

    def one(_):
        return Model.register(Workspace(sys.argv[1]), sys.argv[2], "shared").version

    with ThreadPoolExecutor(max_workers=50) as pool:
        print(" ".join(str(v) for v in pool.map(one, range(50))))
""")


def test_two_processes_of_fifty_concurrent_registers_number_1_to_100(tmp_path):
    """Each register opens the workspace (and so reclaims) while 99 others copy: none may lose its staging."""
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"weights" * 1000)
    workspace_path = tmp_path / "ws"
    Workspace(workspace_path)
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT_REGISTER, str(workspace_path), str(folder)],
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    versions = []
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0
        versions += [int(v) for v in out.split()]
    assert sorted(versions) == list(range(1, 101))
    listed = Model.list(Workspace(workspace_path), name="shared")
    assert sorted(m.version for m in listed) == list(range(1, 101))
    for model in listed:
        assert (model.path / "m" / "model.bin").read_bytes() == b"weights" * 1000
    assert list((workspace_path / "staging").iterdir()) == []
