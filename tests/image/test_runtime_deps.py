"""The runtime's own dependencies in the user's environment: resolved together, the user's requirements win,
a clash is one sentence naming both requirements."""

import pytest

from jupyter_deploy import Environment
from jupyter_deploy.errors import DependencyResolutionError, RuntimeDependencyConflict
from jupyter_deploy.image import image_requirements
from jupyter_deploy.image.runtime_deps import merge_runtime_requirements, runtime_conflict_from

RUNTIME = ["uvicorn==0.54.0", "uvloop==0.23.0", "httptools==0.9.0", "inference-schema==1.8"]


def test_runtime_pins_are_added_when_the_user_does_not_name_them():
    assert merge_runtime_requirements(["numpy<2.4"], RUNTIME) == ["numpy<2.4", *RUNTIME]


def test_the_users_supported_pin_wins():
    merged = merge_runtime_requirements(["uvicorn==0.40.0", "Inference_Schema>=1.8"], RUNTIME)
    assert merged == ["uvicorn==0.40.0", "Inference_Schema>=1.8", "uvloop==0.23.0", "httptools==0.9.0"]


@pytest.mark.parametrize("user", ["inference-schema==1.7", "uvicorn<0.30"])
def test_an_unsupported_pin_is_one_sentence_naming_both(user):
    with pytest.raises(RuntimeDependencyConflict) as raised:
        merge_runtime_requirements([user], RUNTIME)
    message = str(raised.value)
    assert user in message and ("inference-schema>=1.8" in message or "uvicorn>=0.30" in message)
    assert "\n" not in message


def test_image_requirements_apply_the_rule():
    env = Environment("e")
    env.python.conda_dependencies.add_pip_package("inference-schema==1.7")
    with pytest.raises(RuntimeDependencyConflict):
        image_requirements(env)


def test_a_deeper_clash_pip_reports_is_named_in_the_runtimes_terms():
    error = DependencyResolutionError("pip could not …")
    error.requirement = "uvicorn==0.54.0"
    error.pip_error = "Cannot install uvicorn==0.54.0 and oldserver==1.0 because these package versions have conflicting dependencies"
    conflict = runtime_conflict_from(error, ["oldserver==1.0"], RUNTIME)
    assert isinstance(conflict, RuntimeDependencyConflict)
    assert "'uvicorn==0.54.0'" in str(conflict) and "'oldserver==1.0'" in str(conflict)
