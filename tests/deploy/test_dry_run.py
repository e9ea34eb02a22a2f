"""dry_run: the script runs in this process as in the container, and the process is left as it was."""

from __future__ import annotations

import os
import sys
import textwrap

import pytest

import jupyter_deploy.runtime.app  # noqa: F401  (its first import adds the azureml shims to sys.path, for good)
from jupyter_deploy.deploy.dry_run import dry_run
from jupyter_deploy.errors import ModelNotFound
from jupyter_deploy import Model


@pytest.fixture
def greeting_model(workspace, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "greeting.txt").write_text("hello")
    return Model.register(workspace, folder, "greeter")


def script(text: str) -> str:
    return textwrap.dedent(text)


MODEL_DIR_SCRIPT = script("""
    import json, os

    def init():
        global greeting, seen_dir, seen_cwd
        seen_dir = os.environ["AZUREML_MODEL_DIR"]
        seen_cwd = os.getcwd()
        with open(os.path.join(seen_dir, "./models", "greeting.txt")) as handle:
            greeting = handle.read()

    def run(data):
        print("scoring", data)
        return {"greeting": greeting, "dir": seen_dir, "cwd_has_models": os.path.isdir(os.path.join(seen_cwd, "azureml-models")),
                "got": json.loads(data)}
""")


def test_model_dir_is_relative_and_cwd_is_the_app_root(workspace, greeting_model):
    before = (os.getcwd(), dict(os.environ), list(sys.path))
    result = dry_run(workspace, MODEL_DIR_SCRIPT, [greeting_model.id], '{"n": 1}')
    assert result.ok and result.status == 200
    assert result.body == {"greeting": "hello", "dir": "azureml-models/greeter/1", "cwd_has_models": True, "got": {"n": 1}}
    assert result.model_dir == "azureml-models/greeter/1" and result.models == ["greeter:1"]
    assert "scoring" in result.log and "POST /score 200" in result.log
    assert result.headers["content-type"].startswith("application/json") and result.run_ms is not None
    assert (os.getcwd(), dict(os.environ), list(sys.path)) == before
    assert "entry_module" not in sys.modules


def test_several_models_get_the_models_root(workspace, greeting_model, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("x")
    second = Model.register(workspace, other, "other")
    source = script("""
        import os
        def init():
            pass
        def run(data):
            root = os.environ["AZUREML_MODEL_DIR"]
            return sorted(os.listdir(root)) + [open(os.path.join(root, "other", "1", "other.txt")).read()]
    """)
    result = dry_run(workspace, source, [greeting_model, second], "{}")
    assert result.body == ["greeter", "other", "x"]


def test_without_a_sample_only_init_runs(workspace, greeting_model):
    result = dry_run(workspace, MODEL_DIR_SCRIPT, [greeting_model.id])
    assert result.ok and result.status is None and result.init_seconds is not None
    assert "HTTP" not in repr(result)


def test_init_failure_shows_only_the_script_frames(workspace, greeting_model):
    source = script("""
        def helper():
            raise FileNotFoundError("model.h5 is not there")
        def init():
            helper()
        def run(data):
            return data
    """)
    result = dry_run(workspace, source, [greeting_model.id], "{}", script_name="entry.py")
    assert not result.ok and result.status is None
    assert "FileNotFoundError: model.h5 is not there" in result.error
    assert 'File "entry.py", line 5, in init' in result.error and "helper" in result.error
    assert "jupyter_deploy" not in result.error
    assert "failed" in repr(result) and "model.h5 is not there" in result._repr_html_()


def test_run_failure_is_the_container_500_with_the_traceback(workspace, greeting_model):
    source = script("""
        def init():
            pass
        def run(data):
            return {"x": 1 / 0}
    """)
    result = dry_run(workspace, source, [greeting_model.id], "{}")
    assert result.status == 500 and result.body == {
        "message": "An unexpected error occurred in scoring script. Check the logs for more info."}
    assert "ZeroDivisionError" in result.error and "jupyter_deploy" not in result.error


def test_rawhttp_and_request_headers_are_handled_as_in_the_container(workspace, greeting_model):
    raw = script("""
        from azureml.contrib.services.aml_request import AMLRequest, rawhttp
        from azureml.contrib.services.aml_response import AMLResponse
        def init():
            pass
        @rawhttp
        def run(request):
            return AMLResponse(request.get_data()[::-1], 201)
    """)
    result = dry_run(workspace, raw, [greeting_model.id], "abc")
    assert result.status == 201 and result.body == "cba"
    headers = script("""
        def init():
            pass
        def run(data, request_headers):
            return request_headers.get("X-Trace", "none")
    """)
    result = dry_run(workspace, headers, [greeting_model.id], "{}", headers={"X-Trace": "t-1"})
    assert result.body == "t-1"


def test_inference_schema_input_is_parsed(workspace, greeting_model):
    source = script("""
        from inference_schema.schema_decorators import input_schema, output_schema
        from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
        def init():
            pass
        @input_schema("data", StandardPythonParameterType([1, 2]))
        @output_schema(StandardPythonParameterType(3))
        def run(data):
            return sum(data)
    """)
    result = dry_run(workspace, source, [greeting_model.id], '{"data": [4, 5, 6]}')
    assert result.status == 200 and result.body == 15


def test_unknown_model_is_a_user_error(workspace):
    with pytest.raises(ModelNotFound):
        dry_run(workspace, MODEL_DIR_SCRIPT, ["ghost:1"], "{}")
