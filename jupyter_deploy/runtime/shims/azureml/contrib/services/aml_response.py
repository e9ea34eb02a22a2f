"""Stand-in for ``azureml.contrib.services.aml_response``: a response run() can return to be sent as given.

Azure's class, on werkzeug's ``Response`` (flask's Response there, which differs only by its text/html
default type, kept here): ``json_str=True`` JSON-encodes the message, ``None`` becomes ``{}``, every response
carries ``x-ms-run-function-failed`` and a comma in a header value means "repeat the header".
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional

from werkzeug.wrappers import Response


class AMLResponse(Response):
    """An HTTP response returned by run(); the server sends its status, headers and bytes unchanged."""

    default_mimetype = "text/html"  # flask's

    def __init__(
        self,
        message: Any,
        status_code: int = 200,
        response_headers: Optional[Mapping[str, Any]] = None,
        json_str: bool = False,
        run_function_failed: bool = False,
    ):
        response_headers = dict(response_headers or {})
        if message is not None:
            if json_str:
                super().__init__(json.dumps(message), status=status_code, mimetype="application/json")
            else:
                super().__init__(message, status=status_code)
                if "Content-Type" in response_headers:
                    self.headers.remove("Content-Type")  # the loop below adds the script's own
        else:
            super().__init__(json.dumps({}), status=status_code, mimetype="application/json")
        self.headers["x-ms-run-function-failed"] = str(run_function_failed)
        for header, value in response_headers.items():
            for part in str(value).split(","):
                self.headers.add_header(header, part.strip())
