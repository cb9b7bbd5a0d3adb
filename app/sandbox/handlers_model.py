"""``/1/model``: read, validate and apply the data model against the app's real SQLite database."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from app.sandbox import configdocs, schema
from app.sandbox.auth import require_context
from app.sandbox.http import json_response, url_decoded_json
from app.sandbox.store import SandboxError, Store

CHANGED = "The model has changed. Please reload the page and make your changes again."


def get_model(store: Store, request: Request) -> Response:
    ctx = require_context(store, request)
    return json_response(ctx.app.model)


def _schema_and_severity(body: Any) -> tuple[Any, int]:
    if not isinstance(body, dict):
        raise SandboxError(400, "The body must be a JSON object.")
    try:
        severity = int(body.get("severity", 0))
    except (TypeError, ValueError):
        severity = 0
    return body.get("newSchema"), severity


def validate(store: Store, request: Request) -> Response:
    ctx = require_context(store, request)
    body = url_decoded_json(request)
    new, severity = _schema_and_severity(body)
    if "oldSchema" not in body:
        raise SandboxError(400, "Missing oldSchema property.")
    with store.lock:
        current = store.app(ctx.app.name).model
        if body["oldSchema"] != current:
            raise SandboxError(409, CHANGED)
        conn = store.app_db(ctx.app.name)
        try:
            result = schema.compare(current, new, schema.has_data_in(conn))
        finally:
            conn.close()
    return json_response(result.as_response(severity))


def apply(store: Store, request: Request) -> Response:
    ctx = require_context(store, request)
    body = url_decoded_json(request)
    new, severity = _schema_and_severity(body)
    with store.lock:
        app = store.app(ctx.app.name)
        conn = store.app_db(app.name)
        try:
            result = schema.compare(app.model, new, schema.has_data_in(conn))
            if result.valid == "never":
                raise SandboxError(
                    417,
                    "Invalid schema: "
                    + ";\n".join(f"({i}) {w}" for i, w in enumerate(result.warnings, start=1)),
                )
            if result.valid == "data" and severity < 1:
                raise SandboxError(
                    417, "Invalid schema: (1) the change may lose data; validate with severity 1 to allow it"
                )
            store.save_version(app.name)
            schema.apply(conn, app.model, new)
        finally:
            conn.close()
        model = schema.stored_model(new)
        store.set_model(app.name, model)
        app_path, _map_path = store.doc_paths(app.doc_id)
        doc = configdocs.apply_model(app_path.read_bytes(), model)
        doc = configdocs.set_config_version(doc, configdocs.bump(configdocs.config_version(doc)))
        doc_id = store.write_doc(app.name, doc, configdocs.render_map_doc(model))
        store.set_current(app.name, doc_id, refresh_cache=True)
    return json_response(model)
