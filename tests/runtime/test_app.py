"""The scoring runtime's HTTP contract, in-process through the ASGI app (no sockets, no Docker).

Expected bodies, codes and headers are those of azureml-inference-server-http 1.5.1 for the same script.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import signal
import textwrap
from pathlib import Path

import httpx
import pytest

from jupyter_deploy.runtime.app import ScoringApp
from jupyter_deploy.runtime.entry_script import EntryScriptError
from jupyter_deploy.runtime.lifecycle import LoadFailed
from jupyter_deploy.runtime.settings import load_settings

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
RUN_FAILED = {"message": "An unexpected error occurred in scoring script. Check the logs for more info."}


def make_app(app_root: Path, source: str, *, load: bool = True, **environ: str) -> ScoringApp:
    app_root.mkdir(parents=True, exist_ok=True)
    (app_root / "score.py").write_text(textwrap.dedent(source))
    settings = load_settings({"AML_APP_ROOT": str(app_root), **environ})
    app = ScoringApp(settings)
    if load:
        app.lifecycle.load_blocking()
    return app


def call(app: ScoringApp, method: str, path: str, **kwargs) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def call_raw(app: ScoringApp, method: str, path: str, headers, chunks) -> tuple:
    """Drive the ASGI app directly, delivering the body in several receive() messages (chunked upload)."""
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "method": method, "path": path, "query_string": b"", "headers": headers,
        "scheme": "http", "server": ("127.0.0.1", 5001), "client": ("127.0.0.1", 40000), "root_path": "",
    }
    asyncio.run(app(scope, receive, send))
    start, body = sent[0], sent[1]
    return start["status"], dict(start["headers"]), body["body"]


ECHO = """
    def init():
        global prefix
        prefix = "seen:"

    def run(data):
        return {"got": prefix + data, "type": type(data).__name__}
"""


@pytest.fixture
def echo_app(tmp_path):
    return make_app(tmp_path / "echo", ECHO)


def test_post_passes_the_raw_body_as_str_and_json_encodes_the_result(echo_app):
    response = call(echo_app, "POST", "/score", content=b'{"x": [1, 2]}', headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"got": 'seen:{"x": [1, 2]}', "type": "str"}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-ms-run-function-failed"] == "False"
    assert re.fullmatch(r"\d+\.\d{3}", response.headers["x-ms-run-fn-exec-ms"])
    assert UUID_RE.match(response.headers["x-request-id"])
    assert response.headers["x-ms-request-id"] == response.headers["x-request-id"]


def test_a_returned_str_becomes_a_json_string(tmp_path):
    app = make_app(tmp_path, "def init(): pass\ndef run(data): return 'plain text'\n")
    response = call(app, "POST", "/score", content=b"{}")
    assert response.content == b'"plain text"'


def test_a_form_body_reaches_run_as_empty_string_like_werkzeug_request_data(echo_app):
    response = call(echo_app, "POST", "/score", data={"a": "1"})
    assert response.json()["got"] == "seen:"


def test_non_utf8_body_is_a_400(echo_app):
    response = call(echo_app, "POST", "/score", content=b"\xff\xfe\x00")
    assert response.status_code == 400
    assert response.json()["message"].startswith("Input cannot be decoded as UTF-8: 'utf-8' codec can't decode")


def test_get_passes_the_query_as_a_json_object_string(echo_app):
    response = call(echo_app, "GET", "/score?a=1&b=[1,2]&c=x&c=y&d=null")
    data = response.json()["got"][len("seen:"):]
    assert json.loads(data) == {"a": 1, "b": [1, 2], "c": ["x", "y"], "d": None}


def test_methods_other_than_get_and_post(echo_app):
    options = call(echo_app, "OPTIONS", "/score")
    assert (options.status_code, options.content) == (200, b"")
    assert call(echo_app, "PUT", "/score").json() == {"message": "The method is not allowed for the requested URL."}
    assert call(echo_app, "PUT", "/score").status_code == 405
    head = call(echo_app, "HEAD", "/score")
    assert head.status_code == 405


def test_unknown_path_is_a_json_404(echo_app):
    response = call(echo_app, "GET", "/nope")
    assert response.status_code == 404
    assert response.json()["message"].startswith("The requested URL was not found on the server.")


def test_liveness_answers_healthy(echo_app):
    response = call(echo_app, "GET", "/")
    assert (response.status_code, response.text) == (200, "Healthy")


def test_exception_in_run_is_a_500_and_the_service_keeps_serving(tmp_path, capsys):
    app = make_app(tmp_path, """
        def init(): pass
        def run(data):
            if data == "boom":
                raise RuntimeError("kaboom in run")
            return "ok"
    """)
    failed = call(app, "POST", "/score", content=b"boom")
    assert failed.status_code == 500
    assert failed.json() == RUN_FAILED
    assert failed.headers["x-ms-run-function-failed"] == "True"
    assert "RuntimeError: kaboom in run" in capsys.readouterr().err
    assert call(app, "POST", "/score", content=b"fine").json() == "ok"


@pytest.mark.parametrize(
    "statement",
    [
        "raise SystemExit(1)",
        "import sys; sys.exit()",
        "raise KeyboardInterrupt",
        "raise GeneratorExit",
        "class Odd(BaseException): pass\n        raise Odd('odd')",
    ],
)
def test_every_base_exception_from_run_keeps_the_error_format_and_the_worker(tmp_path, statement, capsys):
    app = make_app(tmp_path, f"""
def init(): pass
def run(data):
    if data == "boom":
        {statement}
    return "ok"
""")
    failed = call(app, "POST", "/score", content=b"boom", headers={"x-request-id": "abc"})
    assert failed.status_code == 500
    assert failed.json() == RUN_FAILED
    assert failed.headers["content-type"] == "application/json"
    assert failed.headers["x-ms-run-function-failed"] == "True"
    assert failed.headers["x-request-id"] == "abc"
    assert "Encountered Exception" in capsys.readouterr().err
    assert call(app, "POST", "/score", content=b"fine").json() == "ok"


def test_a_response_object_that_raises_system_exit_is_an_internal_error(tmp_path):
    app = make_app(tmp_path, """
        class Weird:
            status_code = 200
            headers = {}
            def get_data(self):
                raise SystemExit(2)
        def init(): pass
        def run(data): return Weird()
    """)
    response = call(app, "POST", "/score", content=b"x")
    assert response.status_code == 500
    assert "x-request-id" in response.headers
    assert call(app, "GET", "/").status_code == 200


def test_unserializable_result_is_azures_internal_error(tmp_path):
    app = make_app(tmp_path, "def init(): pass\ndef run(data): return object()\n")
    response = call(app, "POST", "/score", content=b"x")
    assert response.status_code == 500
    assert response.json() == {"message": "An unexpected internal error occurred. Check the logs for more info."}
    assert response.headers["x-ms-run-function-failed"] == "False"


def test_scoring_timeout_interrupts_run_and_restores_a_foreign_alarm_handler(tmp_path):
    app = make_app(tmp_path, """
        import time
        def init(): pass
        def run(data):
            try:
                time.sleep(5)
            except Exception:
                return "an except Exception must not swallow the timeout"
    """, SCORING_TIMEOUT_MS="200")

    def foreign(signum, frame):
        raise AssertionError("the runtime must not leave this alarm armed")

    previous = signal.signal(signal.SIGALRM, foreign)
    try:
        response = call(app, "POST", "/score", content=b"x")
        assert signal.getsignal(signal.SIGALRM) is foreign
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert response.status_code == 500
    assert response.json() == {"message": "Scoring timeout after 200 ms"}
    assert response.headers["x-ms-run-function-failed"] == "True"


def test_request_ids_are_echoed_and_limited(echo_app):
    echoed = call(echo_app, "POST", "/score", content=b"x", headers={"x-request-id": "my-id"})
    assert echoed.headers["x-request-id"] == "my-id"
    assert echoed.headers["x-ms-request-id"] == "my-id"
    client = call(echo_app, "POST", "/score", content=b"x", headers={"x-ms-client-request-id": "client-1"})
    assert client.headers["x-ms-client-request-id"] == "client-1"
    assert client.headers["x-ms-request-id"] == "client-1"
    too_long = call(echo_app, "POST", "/score", content=b"x", headers={"x-request-id": "a" * 101})
    assert too_long.status_code == 431
    assert too_long.json() == {"message": "x-request-id must not exceed 100 characters"}
    legacy_too_long = call(echo_app, "GET", "/", headers={"x-ms-request-id": "b" * 101})
    assert legacy_too_long.status_code == 431


def test_body_over_the_limit_is_a_413_by_content_length(tmp_path):
    app = make_app(tmp_path, ECHO, AZUREML_MAX_REQUEST_BYTES="1000")
    assert call(app, "POST", "/score", content=b"x" * 1000).status_code == 200
    response = call(app, "POST", "/score", content=b"x" * 1001)
    assert response.status_code == 413
    assert response.headers["connection"] == "close"


def test_chunked_body_over_the_limit_is_a_413_while_reading(tmp_path):
    app = make_app(tmp_path, ECHO, AZUREML_MAX_REQUEST_BYTES="1000")
    headers = [(b"transfer-encoding", b"chunked")]
    status, _, _ = call_raw(app, "POST", "/score", headers, [b"x" * 600, b"x" * 600])
    assert status == 413
    status, _, body = call_raw(app, "POST", "/score", headers, [b"x" * 400, b"x" * 400])
    assert status == 200 and json.loads(body)["got"] == "seen:" + "x" * 800


def test_run_with_request_headers_gets_werkzeug_style_names(tmp_path):
    app = make_app(tmp_path, """
        def init(): pass
        def run(data, request_headers):
            return {"custom": request_headers.get("X-Custom-Header"), "ct": request_headers.get("Content-Type")}
    """)
    response = call(app, "POST", "/score", content=b"{}", headers={"x-custom-header": "v1", "content-type": "text/plain"})
    assert response.json() == {"custom": "v1", "ct": "text/plain"}


RAWHTTP = """
    from azureml.contrib.services.aml_request import AMLRequest, rawhttp
    from azureml.contrib.services.aml_response import AMLResponse

    def init(): pass

    @rawhttp
    def run(request):
        if request.method == "POST" and request.files:
            upload = request.files["image"]
            body = upload.read()
            return AMLResponse(body, 200, {"Content-Type": "image/png", "X-Name": upload.filename})
        if request.method == "POST":
            return {"json": request.get_json(), "arg": request.args.get("k"), "path": request.full_path}
        if request.method == "GET":
            return AMLResponse("teapot down", 503)
        return AMLResponse("options seen by run", 200)
"""


def test_rawhttp_gets_the_request_and_its_uploaded_file_and_sends_bytes_back(tmp_path):
    app = make_app(tmp_path, RAWHTTP)
    response = call(
        app, "POST", "/score", files={"image": ("pixel.png", io.BytesIO(PNG_BYTES), "image/png")}, data={"f": "1"}
    )
    assert response.status_code == 200
    assert response.content == PNG_BYTES
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-name"] == "pixel.png"
    assert response.headers["x-ms-run-function-failed"] == "False"
    assert "x-ms-run-fn-exec-ms" in response.headers


def test_rawhttp_json_args_and_status_from_amlresponse(tmp_path):
    app = make_app(tmp_path, RAWHTTP)
    posted = call(app, "POST", "/score?k=v", json={"a": 1})
    assert posted.json() == {"json": {"a": 1}, "arg": "v", "path": "/score?k=v"}
    failed = call(app, "GET", "/score")
    assert (failed.status_code, failed.text) == (503, "teapot down")
    assert failed.headers["x-ms-run-function-failed"] == "True"
    assert failed.headers["content-type"] == "text/html; charset=utf-8"
    assert call(app, "OPTIONS", "/score").text == "options seen by run"


SCHEMA = """
    import numpy as np
    from inference_schema.schema_decorators import input_schema, output_schema
    from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
    from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

    def init(): pass

    @input_schema("data", NumpyParameterType(np.array([[1.0, 2.0], [3.0, 4.0]])))
    @input_schema("factor", StandardPythonParameterType(2))
    @output_schema(StandardPythonParameterType({"sum": 1.0, "kind": "ndarray"}))
    def run(data, factor=1):
        return {"sum": float((data * factor).sum()), "kind": type(data).__name__}
"""


def test_schema_decorated_run_gets_typed_keyword_arguments(tmp_path):
    app = make_app(tmp_path, SCHEMA)
    response = call(app, "POST", "/score", json={"data": [[1, 2], [3, 4]], "factor": 2})
    assert response.json() == {"sum": 20.0, "kind": "ndarray"}
    assert call(app, "POST", "/score", json={"data": [[1, 1], [1, 1]]}).json()["sum"] == 4.0


def test_schema_decorated_run_input_errors(tmp_path):
    app = make_app(tmp_path, SCHEMA)
    wrong_type = call(app, "POST", "/score", content=b'{"data": []}', headers={"content-type": "text/plain"})
    assert (wrong_type.status_code, wrong_type.json()["message"]) == (415, "Expects Content-Type to be application/json")
    missing = call(app, "POST", "/score", json={"factor": 3})
    assert (missing.status_code, missing.json()["message"]) == (400, "A value is not provided for the 'data' parameter.")
    not_a_dict = call(app, "POST", "/score", json=[1, 2])
    assert not_a_dict.json()["message"] == "POST body should be a JSON dictionary."
    empty = call(app, "POST", "/score", content=b"", headers={"content-type": "application/json"})
    assert empty.json()["message"] == "POST body is empty. Expecting a JSON dictionary."


def test_swagger_from_the_schema(tmp_path):
    app = make_app(tmp_path, SCHEMA)
    v2 = call(app, "GET", "/swagger.json").json()
    assert v2["swagger"] == "2.0"
    assert set(v2["definitions"]["ServiceInput"]["properties"]) == {"data", "factor"}
    assert v2["definitions"]["ServiceInput"]["example"]["factor"] == 2
    assert v2["definitions"]["ServiceOutput"]["type"] == "object"
    v3 = call(app, "GET", "/swagger.json?version=3").json()
    assert v3["openapi"] == "3.0.3"
    assert "data" in v3["components"]["schemas"]["ServiceInput"]["properties"]
    assert call(app, "GET", "/swagger.json?version=3.1").json()["openapi"] == "3.1.0"
    unknown = call(app, "GET", "/swagger.json?version=5")
    assert unknown.status_code == 404
    assert unknown.json()["message"] == "Swagger version [5] is not valid. Supported versions: [2, 3, 3.1]."


def test_swagger_for_an_undecorated_run_has_empty_schemas_like_azure(echo_app):
    document = call(echo_app, "GET", "/swagger.json?version=2").json()
    assert document["definitions"]["ServiceInput"] == {"type": "object", "example": {}}


def test_user_swagger_file_in_the_app_root_wins(tmp_path):
    (tmp_path / "swagger.json").write_text('{"swagger": "2.0", "info": {"title": "mine"}}')
    app = make_app(tmp_path, ECHO)
    assert call(app, "GET", "/swagger.json").json()["info"]["title"] == "mine"


@pytest.mark.parametrize(
    "source, message",
    [
        ("def init(): pass\ndef run(*args): pass\n", "positional-only arguments, *args, or **kwargs"),
        ("def init(): pass\ndef run(request_headers): pass\n", 'argument other than "request_headers"'),
        ("def run(data): pass\n", "does not have a init() function defined"),
        (
            "from azureml.contrib.services.aml_request import rawhttp\n"
            "from inference_schema.schema_decorators import input_schema\n"
            "from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType\n"
            "def init(): pass\n"
            "@rawhttp\n@input_schema('data', StandardPythonParameterType(1))\ndef run(data): pass\n",
            "cannot be decorated with both @rawhttp and @input_schema",
        ),
    ],
)
def test_unusable_scripts_are_refused_at_load(tmp_path, source, message):
    app = make_app(tmp_path, source, load=False)
    with pytest.raises(LoadFailed) as failure:
        app.lifecycle.load_blocking()
    assert message in failure.value.details
    assert EntryScriptError.__name__ in failure.value.details


def test_before_init_finishes_score_is_503_and_liveness_is_200(tmp_path):
    app = make_app(tmp_path, ECHO, load=False)
    assert call(app, "GET", "/").status_code == 200
    ready = call(app, "GET", "/ready")
    assert (ready.status_code, ready.json()) == (
        503,
        {"status": "initializing", "workers": {"count": 1, "ready": 0, "restarts": 0, "last_death": None}},
    )
    score = call(app, "POST", "/score", content=b"x")
    assert score.status_code == 503 and "initializing" in score.json()["message"]
    assert call(app, "GET", "/swagger.json").status_code == 503


def test_reload_reimports_sibling_modules_and_a_failed_reload_keeps_the_old_script(tmp_path):
    (tmp_path / "helper_for_reload.py").write_text("VALUE = 'one'\n")
    app = make_app(tmp_path, """
        import helper_for_reload
        from inference_schema.schema_decorators import input_schema, output_schema
        from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

        def init(): pass

        @input_schema("data", StandardPythonParameterType("x"))
        @output_schema(StandardPythonParameterType("x"))
        def run(data):
            return helper_for_reload.VALUE
    """)
    assert call(app, "POST", "/score", json={"data": "a"}).json() == "one"
    first_sha = call(app, "GET", "/ready").json()["entry_script_sha256"]

    (tmp_path / "helper_for_reload.py").write_text("VALUE = 'two'\n")
    (tmp_path / "score.py").write_text((tmp_path / "score.py").read_text() + "\n# edited\n")
    asyncio.run(app.lifecycle.reload())
    ready = call(app, "GET", "/ready").json()
    assert (ready["generation"], ready["reloads"], ready["last_reload_error"]) == (2, 1, None)
    assert ready["entry_script_sha256"] != first_sha
    assert call(app, "POST", "/score", json={"data": "a"}).json() == "two"

    (tmp_path / "score.py").write_text("def init():\n    raise ValueError('broken edit')\ndef run(data): pass\n")
    asyncio.run(app.lifecycle.reload())
    ready = call(app, "GET", "/ready").json()
    assert (ready["generation"], ready["reloads"]) == (2, 2)
    assert "ValueError: broken edit" in ready["last_reload_error"]
    assert call(app, "POST", "/score", json={"data": "a"}).json() == "two"


def test_with_several_workers_an_answer_that_leaves_others_waiting_closes_its_connection(tmp_path):
    app = make_app(tmp_path, ECHO, WORKER_COUNT="2")
    scope = {
        "type": "http", "method": "POST", "path": "/score", "query_string": b"", "headers": [],
        "scheme": "http", "server": ("127.0.0.1", 5001), "client": ("127.0.0.1", 40000), "root_path": "",
    }

    async def one(answers):
        async def receive():
            await asyncio.sleep(0)  # the body arrives later: the other request gets in meanwhile
            return {"type": "http.request", "body": b"x", "more_body": False}

        async def send(message):
            answers.append(message)

        await app(dict(scope), receive, send)
        return dict(answers[0]["headers"])

    async def two_at_once():
        return await asyncio.gather(one([]), one([]))

    first, second = asyncio.run(two_at_once())
    assert first.get(b"connection") == b"close"  # the second was still waiting on this worker
    assert b"connection" not in second
    assert "connection" not in call(app, "POST", "/score", content=b"x").headers


def test_rawhttp_uploads_are_werkzeug_file_storages_with_seekable_streams(tmp_path):
    app = make_app(tmp_path, """
        from azureml.contrib.services.aml_request import rawhttp
        from azureml.contrib.services.aml_response import AMLResponse
        from werkzeug.datastructures import FileStorage

        def init(): pass

        @rawhttp
        def run(req):
            uploads = req.files.getlist("file")
            stream = uploads[0].stream
            stream.read(4)
            stream.seek(0)  # what PIL's Image.open does first
            data = b"".join(upload.stream.read() for upload in uploads)
            kinds = ",".join(type(upload).__name__ for upload in uploads)
            return AMLResponse(data, 200, {"Content-Type": "image/png", "X-Kinds": kinds})
    """)
    files = [("file", ("a.png", io.BytesIO(PNG_BYTES), "image/png")), ("file", ("b.png", io.BytesIO(b"2"), "image/png"))]
    response = call(app, "POST", "/score", files=files)
    assert response.status_code == 200
    assert response.content == PNG_BYTES + b"2"
    assert response.headers["x-kinds"] == "FileStorage, FileStorage"  # a comma repeats the header (Azure)
