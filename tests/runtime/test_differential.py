"""The differential test (issue 10.6): the same entry scripts and requests against Azure's own server
(azureml-inference-server-http from PyPI, in a cached venv: see reference_server.py) and against ours, both
on 127.0.0.1; status, content type, the stable headers and the body must agree. Every difference left is in
``DELIBERATE`` with its reason, and in the README's "Differences from Azure's server" table.

No Docker involved; the first run installs the reference venv (PyPI via the host's pip configuration), later
runs reuse it.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from reference_server import reference_venv

REPO_ROOT = Path(__file__).resolve().parents[2]
STABLE_HEADERS = ("x-ms-run-function-failed",)
BOUNDARY = "diffboundary"

SCRIPTS = {
    "raw_string": """
        def init():
            global prefix
            prefix = "seen:"
        def run(data):
            return {"got": prefix + data, "type": type(data).__name__}
    """,
    "request_headers": """
        def init(): pass
        def run(data, request_headers):
            return {"custom": request_headers.get("X-Custom"), "data": data}
    """,
    "json_dumps": """
        import json
        def init(): pass
        def run(data):
            return json.dumps({"result": [1, 2, 3]})
    """,
    "schema_numpy": """
        import numpy as np
        from inference_schema.schema_decorators import input_schema, output_schema
        from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
        def init(): pass
        @input_schema("data", NumpyParameterType(np.array([[1.0, 2.0]])))
        @output_schema(NumpyParameterType(np.array([3.0])))
        def run(data):
            return data.sum(axis=1)
    """,
    "schema_pandas": """
        import pandas as pd
        from inference_schema.schema_decorators import input_schema, output_schema
        from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
        from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
        def init(): pass
        @input_schema("data", PandasParameterType(pd.DataFrame({"a": [1], "b": [2.5]})))
        @output_schema(StandardPythonParameterType([3.5]))
        def run(data):
            return (data["a"] + data["b"]).tolist()
    """,
    "schema_standard": """
        from inference_schema.schema_decorators import input_schema, output_schema
        from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
        def init(): pass
        @input_schema("text", StandardPythonParameterType("hello"))
        @input_schema("times", StandardPythonParameterType(2))
        @output_schema(StandardPythonParameterType({"out": "hellohello"}))
        def run(text, times=1):
            return {"out": text * times}
    """,
    "rawhttp_form": """
        from azureml.contrib.services.aml_request import rawhttp
        from azureml.contrib.services.aml_response import AMLResponse
        def init(): pass
        @rawhttp
        def run(request):
            if request.method == "GET":
                return AMLResponse({"args": request.args.to_dict()}, 200, json_str=True)
            return AMLResponse({"form": request.form.to_dict(), "files": sorted(request.files)}, 200, json_str=True)
    """,
    "rawhttp_files": """
        from azureml_inference_server_http.api.aml_request import rawhttp
        from azureml_inference_server_http.api.aml_response import AMLResponse
        def init(): pass
        @rawhttp
        def run(request):
            uploads = request.files.getlist("file")
            data = b"|".join(upload.stream.read() for upload in uploads)
            return AMLResponse(data, 200, {"Content-Type": "application/octet-stream"})
    """,
    "amlresponse_status": """
        from azureml.contrib.services.aml_request import rawhttp
        from azureml.contrib.services.aml_response import AMLResponse
        def init(): pass
        @rawhttp
        def run(request):
            return AMLResponse("short and stout", 418, {"X-Tea": "earl, grey"})
    """,
    "several_models": """
        import os
        def init():
            global names
            root = os.getenv("AZUREML_MODEL_DIR")
            names = sorted(open(os.path.join(root, m, "1", "weights.txt")).read() for m in ("first", "second"))
        def run(data):
            return {"models": names}
    """,
    "raises": """
        def init(): pass
        def run(data):
            raise ValueError("bad input " + data)
    """,
    "timeout": """
        import time
        def init(): pass
        def run(data):
            time.sleep(5)
            return "late"
    """,
}


def multipart(*parts) -> bytes:
    out = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + content + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


FORM = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
JSON = {"Content-Type": "application/json"}
COMMON = [
    ("liveness", "GET", "/", b"", {}),
    ("swagger", "GET", "/swagger.json", b"", {}),
    ("options", "OPTIONS", "/score", b"", {}),
    ("wrong_method", "PUT", "/score", b"x", {}),
    ("not_utf8", "POST", "/score", b"\xff\xfe\xfa", {}),
    ("long_request_id", "POST", "/score", b"x", {"x-request-id": "r" * 101}),
    ("unknown_path", "GET", "/nope", b"", {}),
]
SPECIFIC = {
    "raw_string": [("post", "POST", "/score", b'{"a": 1}', JSON), ("get", "GET", "/score?a=1&b=x", b"", {})],
    "request_headers": [("post", "POST", "/score", b"hi", {"X-Custom": "v1"})],
    "json_dumps": [("post", "POST", "/score", b"x", {})],
    "schema_numpy": [
        ("post", "POST", "/score", b'{"data": [[1, 2], [3, 4]]}', JSON),
        ("no_json_type", "POST", "/score", b'{"data": [[1, 2]]}', {"Content-Type": "text/plain"}),
    ],
    "schema_pandas": [("post", "POST", "/score", b'{"data": [{"a": 1, "b": 2.0}, {"a": 2, "b": 0.5}]}', JSON)],
    "schema_standard": [
        ("post", "POST", "/score", b'{"text": "ab", "times": 3}', JSON),
        ("default", "POST", "/score", b'{"text": "ab"}', JSON),
        ("not_a_dict", "POST", "/score", b"[1]", JSON),
    ],
    "rawhttp_form": [
        ("form", "POST", "/score", multipart(("label", None, b"cat"), ("f", "a.bin", b"1")), FORM),
        ("get", "GET", "/score?k=v", b"", {}),
    ],
    "rawhttp_files": [
        ("files", "POST", "/score", multipart(("file", "a.bin", b"\x89PNG\x00"), ("file", "b.bin", b"two")), FORM)
    ],
    "amlresponse_status": [("post", "POST", "/score", b"x", {})],
    "several_models": [("post", "POST", "/score", b"x", {})],
    "raises": [("post", "POST", "/score", b"boom", {})],
    "timeout": [("post", "POST", "/score", b"x", {})],
}

# (script or "*", request) -> why the answers differ on purpose. Mirrored in the README table.
DELIBERATE = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body: bytes, headers: dict):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def comparable(status, headers, body):
    content_type = headers.get("content-type", "").replace(" ", "").lower()
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = body
    return {
        "status": status,
        "content-type": content_type,
        **{name: headers.get(name) for name in STABLE_HEADERS},
        "body": parsed,
    }


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    venv = reference_venv()
    root = tmp_path_factory.mktemp("difftest")
    models = root / "models"
    for name in ("first", "second"):
        (models / name / "1").mkdir(parents=True)
        (models / name / "1" / "weights.txt").write_text(name)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AZUREML_", "AML_", "SCORING_", "WORKER_"))}
    environ.update({"SCORING_TIMEOUT_MS": "1000", "AZUREML_MODEL_DIR": str(models), "PYTHONPATH": str(REPO_ROOT)})
    processes, ports = [], {}
    try:
        for name, source in SCRIPTS.items():
            app = root / name
            app.mkdir()
            (app / "score.py").write_text(textwrap.dedent(source))
            azure_port, our_port = free_port(), free_port()
            processes.append(subprocess.Popen(
                [str(venv / "bin" / "azmlinfsrv"), "--entry_script", str(app / "score.py"), "--port", str(azure_port),
                 "--model_dir", str(models)],
                cwd=app, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "jupyter_deploy.runtime", "--app-root", str(app), "--host", "127.0.0.1",
                 "--port", str(our_port), "--model-dir", str(models)],
                cwd=REPO_ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
            ports[name] = (azure_port, our_port)
        deadline = time.monotonic() + 120
        for name, pair in ports.items():
            for port in pair:
                while True:
                    try:
                        if request(port, "GET", "/", b"", {})[0] == 200:
                            break
                    except (OSError, http.client.HTTPException):
                        pass
                    if time.monotonic() > deadline:
                        raise AssertionError(f"{name}: a server on port {port} did not start")
                    time.sleep(0.1)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_our_answers_are_azures(servers, script):
    azure_port, our_port = servers[script]
    differences = []
    for name, method, path, body, headers in COMMON + SPECIFIC[script]:
        theirs = comparable(*request(azure_port, method, path, body, headers))
        ours = comparable(*request(our_port, method, path, body, headers))
        if theirs != ours and (script, name) not in DELIBERATE and ("*", name) not in DELIBERATE:
            differences.append(f"{name}: azure {theirs!r}\n      ours  {ours!r}")
    assert not differences, "\n".join(differences)
