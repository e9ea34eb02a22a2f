"""Host-side wheel resolution: the lock file makes a repeat resolve free; pip failures become one sentence.

pip itself is faked here (a runner that drops wheel files where pip would); the integration tests use real pip.
"""

import sys
from pathlib import Path

import pytest

from jupyter_deploy.errors import DependencyResolutionError
from jupyter_deploy.image import wheels as dependencies
from jupyter_deploy.image.wheels import cache_dir, lock_key, resolve_wheels


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_DEPLOY_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


class FakePip:
    """Records each command and writes the given wheel names into --wheel-dir, like `pip wheel` does."""

    def __init__(self, wheel_names, exit_code=0, output=()):
        self.wheel_names = wheel_names
        self.exit_code = exit_code
        self.output = list(output)
        self.calls = []

    def __call__(self, command, on_line):
        self.calls.append(list(command))
        wheel_dir = Path(command[command.index("--wheel-dir") + 1])
        for name in self.wheel_names:
            (wheel_dir / name).write_bytes(b"wheel " + name.encode())
        for line in self.output:
            on_line(line)
        return self.exit_code, list(self.output)


WHEELS = ["PyYAML-6.0.1-cp311-cp311-manylinux_2_17_x86_64.whl", "requests-2.31.0-py3-none-any.whl"]


def test_cache_dir_follows_the_environment_variable(private_cache):
    assert cache_dir() == private_cache


def test_second_resolve_uses_the_lock_and_makes_no_pip_call():
    pip = FakePip(WHEELS)
    first = resolve_wheels(["pyyaml", "requests"], pip_runner=pip)
    assert [p.name for p in first] == sorted(WHEELS)
    assert all(p.parent == cache_dir() / "wheels" and p.is_file() for p in first)
    assert len(pip.calls) == 1
    command = pip.calls[0]
    assert command[:4] == [sys.executable, "-m", "pip", "wheel"]
    assert command[command.index("--find-links") + 1] == str(cache_dir() / "wheels")

    # Same requirements in another order and spacing: the lock answers, pip is not run.
    second = resolve_wheels(["requests", "  pyyaml "], pip_runner=pip)
    assert second == first
    assert len(pip.calls) == 1
    assert not any((cache_dir() / "tmp").iterdir())


def test_a_missing_cached_wheel_forces_a_new_resolution():
    pip = FakePip(WHEELS)
    paths = resolve_wheels(["pyyaml", "requests"], pip_runner=pip)
    paths[0].unlink()
    resolve_wheels(["pyyaml", "requests"], pip_runner=pip)
    assert len(pip.calls) == 2
    assert all(p.is_file() for p in paths)


def test_lock_key_depends_on_requirements_not_their_order():
    assert lock_key(["a", "b"]) == lock_key(["b", "a"])
    assert lock_key(["a"]) != lock_key(["a==1"])


def test_pip_failure_names_the_error_line_and_the_requirement():
    output = [
        "Collecting pyyaml",
        "ERROR: Could not find a version that satisfies the requirement this-package-does-not-exist-xyz==1.0 (from versions: none)",
        "ERROR: No matching distribution found for this-package-does-not-exist-xyz==1.0",
    ]
    pip = FakePip([], exit_code=1, output=output)
    with pytest.raises(DependencyResolutionError) as raised:
        resolve_wheels(["pyyaml", "this-package-does-not-exist-xyz==1.0"], pip_runner=pip)
    message = str(raised.value)
    assert "No matching distribution found for this-package-does-not-exist-xyz==1.0" in message
    assert raised.value.requirement == "this-package-does-not-exist-xyz==1.0"
    assert not list((cache_dir() / "locks").glob("*.txt"))
    assert not any((cache_dir() / "tmp").iterdir())


def test_failure_in_a_transitive_dependency_is_attributed_to_our_requirement():
    output = [
        "Collecting toplevel==1.0",
        "Collecting missing-dep>=2 (from toplevel==1.0)",
        "ERROR: No matching distribution found for missing-dep>=2",
    ]
    pip = FakePip([], exit_code=1, output=output)
    with pytest.raises(DependencyResolutionError) as raised:
        resolve_wheels(["toplevel==1.0"], pip_runner=pip)
    assert raised.value.requirement == "toplevel==1.0"
    assert "missing-dep>=2" in str(raised.value)


def test_streamed_lines_reach_on_log():
    seen = []
    resolve_wheels(["pyyaml"], on_log=seen.append, pip_runner=FakePip(WHEELS[:1], output=["Saved ./x.whl"]))
    assert "Saved ./x.whl" in seen


def test_default_runner_inherits_the_environment(monkeypatch):
    monkeypatch.setenv("PIP_SENTINEL_FOR_TEST", "inherited")
    code, lines = dependencies.run_streaming(
        [sys.executable, "-c", "import os; print(os.environ['PIP_SENTINEL_FOR_TEST'])"], lambda line: None
    )
    assert (code, lines) == (0, ["inherited"])
