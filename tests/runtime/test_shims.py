"""The azureml stand-ins scripts import: AMLRequest (werkzeug Request surface) and AMLResponse (Azure's rules)."""

from __future__ import annotations

import json

import pytest

from jupyter_deploy.runtime import aml_shims  # noqa: F401  (puts the shims on sys.path)
from azureml.contrib.services.aml_request import AMLRequest, BadRequest, UnsupportedMediaType
from werkzeug.wrappers import Request, Response
from azureml.contrib.services.aml_response import AMLResponse

BOUNDARY = "----jdboundary"


def multipart(*parts: bytes) -> bytes:
    return b"".join(b"--" + BOUNDARY.encode() + b"\r\n" + part + b"\r\n" for part in parts) + b"--" + BOUNDARY.encode() + b"--\r\n"


def test_request_exposes_werkzeug_style_url_query_and_headers():
    request = AMLRequest(
        method="post", path="/score", query_string=b"a=1&a=2&b=x", headers=[("Host", "svc:5001"), ("X-Thing", "v")],
        body=b"{}", server=("127.0.0.1", 5001),
    )
    assert request.method == "POST"
    assert request.args["a"] == "1" and request.args.getlist("a") == ["1", "2"]
    assert request.args.get("a", type=int) == 1 and request.args.get("missing", "d") == "d"
    assert request.headers["x-thing"] == "v" and "X-THING" in request.headers
    assert request.full_path == "/score?a=1&a=2&b=x"
    assert request.url == "http://svc:5001/score?a=1&a=2&b=x"
    assert AMLRequest(path="/score").full_path == "/score?"


def test_get_json_follows_werkzeug_content_type_rules():
    as_json = AMLRequest(method="POST", headers=[("Content-Type", "application/json")], body=b'{"k": 1}')
    assert as_json.get_json() == {"k": 1} and as_json.json == {"k": 1}
    plain = AMLRequest(method="POST", headers=[("Content-Type", "text/plain")], body=b'{"k": 1}')
    with pytest.raises(UnsupportedMediaType):
        plain.get_json()
    assert plain.get_json(silent=True) is None
    assert plain.get_json(force=True) == {"k": 1}
    broken = AMLRequest(method="POST", headers=[("Content-Type", "application/json")], body=b"{nope")
    with pytest.raises(BadRequest):
        broken.get_json()


def test_multipart_form_and_files(tmp_path):
    body = multipart(
        b'Content-Disposition: form-data; name="label"\r\n\r\ncat',
        b'Content-Disposition: form-data; name="image"; filename="a b.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x00',
    )
    request = AMLRequest(
        method="POST", headers=[("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")], body=body
    )
    assert request.form["label"] == "cat"
    upload = request.files["image"]
    assert (upload.filename, upload.mimetype) == ("a b.png", "image/png")
    assert upload.read() == b"\x89PNG\r\n\x00"
    upload.seek(0)
    upload.save(tmp_path / "saved.png")
    assert (tmp_path / "saved.png").read_bytes() == b"\x89PNG\r\n\x00"
    assert request.data == b""  # werkzeug (and so flask on Azure) consumes a form body into form/files


def test_urlencoded_form():
    request = AMLRequest(
        method="POST", headers=[("Content-Type", "application/x-www-form-urlencoded")], body=b"a=1&b=%C3%A9"
    )
    assert request.form.to_dict() == {"a": "1", "b": "é"}


def test_response_rules_match_azure():
    png = AMLResponse(b"\x89PNG", 200, {"Content-Type": "image/png"})
    assert png.get_data() == b"\x89PNG"
    assert png.headers.getlist("content-type") == ["image/png"]
    assert png.headers["x-ms-run-function-failed"] == "False"
    text = AMLResponse("hello", 201)
    assert text.headers["content-type"] == "text/html; charset=utf-8" and text.status == "201 CREATED"
    as_json = AMLResponse({"a": 1}, 200, json_str=True)
    assert json.loads(as_json.get_data()) == {"a": 1} and as_json.headers["content-type"] == "application/json"
    repeated = AMLResponse("x", 200, {"X-Tag": "one, two"})
    assert repeated.headers.getlist("x-tag") == ["one", "two"]
    assert AMLResponse(None, 204).get_data() == b"{}"


def test_newer_import_path_is_the_same_rawhttp():
    from azureml.contrib.services import aml_request
    from azureml_inference_server_http.api.aml_request import rawhttp

    assert rawhttp is aml_request.rawhttp


def test_the_shims_are_werkzeug_objects_as_on_azure():
    assert issubclass(AMLRequest, Request) and issubclass(AMLResponse, Response)
    environ_built = AMLRequest(method="GET", path="/score", query_string=b"x=1")
    assert AMLRequest(environ_built.environ).args["x"] == "1"
