"""HTTP helpers shared by the sandbox's handlers: JSON answers and Backand's three error shapes."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from app.sandbox.store import SandboxError

GENERIC_500 = "An error occurred, please try again or contact the administrator. Error details: "


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json; charset=utf-8")


def error_response(request: Request, error: SandboxError) -> Response:
    """Shape 1 for ``/token``, shape 2 for the authorisation filter, shape 3 (bare string) else."""
    if error.status == 204:
        return Response(status=204)
    if error.shape == "grant":
        return json_response({"error": "invalid_grant", "error_description": error.text}, error.status)
    if error.shape == "refresh":
        return json_response({"error": error.text}, error.status)
    if error.shape == "message":
        return json_response({"Message": error.text}, error.status)
    accept = request.headers.get("Accept", "*/*")
    if "json" in accept.lower():
        return json_response(error.text, error.status)
    return Response(error.text, status=error.status, content_type="text/plain; charset=utf-8")


def url_decoded_json(request: Request) -> Any:
    """The body quirk: URL-decode the raw body, then parse it as JSON (``+`` becomes a space)."""
    from urllib.parse import unquote_plus

    raw = request.get_data(cache=False).decode("utf-8")
    try:
        return json.loads(unquote_plus(raw))
    except ValueError as exc:
        raise SandboxError(500, GENERIC_500 + f"Invalid JSON: {exc}") from None


def app_name_header(request: Request) -> str | None:
    for key in ("AppName", "appName", "appname"):
        value = request.headers.get(key)
        if value:
            return value.lower()
    return None
