"""``/admin/*``: the apps a user may administer, one app's row, its database status."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from app.sandbox import configdocs
from app.sandbox.auth import Context, authorise
from app.sandbox.http import json_response, url_decoded_json
from app.sandbox.store import AppRow, SandboxError, Store

STATUS_CODES = {"Ready": 1, "NotStarted": 0, "Processing": 2, "Error": 3}


def _username(store: Store, request: Request) -> str:
    who = authorise(store, request, app_required=False)
    return who.username if isinstance(who, Context) else who


def app_row(store: Store, app: AppRow, role: str) -> dict[str, Any]:
    return {
        "Name": app.name,
        "Title": app.title,
        "Id": app.app_id,
        "DatabaseStatus": STATUS_CODES.get(app.status, 3),
        "Role": role,
        "ConfigVersion": store.doc_version(app.cached_doc_id),
    }


def my_apps(store: Store, request: Request) -> Response:
    username = _username(store, request)
    search = (request.args.get("search") or "").lower()
    try:
        size = max(1, int(request.args.get("pageSize", "20")))
        page = max(1, int(request.args.get("pageNumber", "1")))
    except ValueError:
        raise SandboxError(400, "pageSize and pageNumber must be numbers.") from None
    rows = [app_row(store, a, r) for a, r in store.apps_for(username) if search in a.name]
    return json_response({"totalRows": len(rows), "data": rows[(page - 1) * size : page * size]})


def one_app(store: Store, request: Request, name: str) -> Response:
    username = _username(store, request)
    for app, role in store.apps_for(username):
        if app.name == name.lower():
            return json_response(app_row(store, app, role))
    raise SandboxError(404, f'The app "{name}" was not found.')


def app_status(store: Store, request: Request, name: str) -> Response:
    username = _username(store, request)
    for app, _role in store.apps_for(username):
        if app.name == name.lower():
            return json_response({"status": app.status})
    raise SandboxError(404, f'The app "{name}" was not found.')


def create_app(store: Store, request: Request) -> Response:
    username = _username(store, request)
    body = url_decoded_json(request)
    name = str(body.get("name", "")).lower() if isinstance(body, dict) else ""
    import re

    if not re.fullmatch(r"[a-z0-9-]{1,32}", name):
        raise SandboxError(400, "The app name must be letters, digits and -, at most 32 characters.")
    if store.app_exists(name):
        raise SandboxError(409, f'The app "{name}" already exists.')
    with store.lock:
        app_id = 1000 + len(store.apps_for(username)) + int(store.setting("next_id", "0"))
        store.set_setting("next_id", str(int(store.setting("next_id", "0")) + 1))
        settings = {
            "ConfigVersion": "1.0.0",
            "TokenExpiration": 86400,
            "EnableSecretKeyAccess": True,
            "UploadFolder": f"/Uploads/{app_id}/",
            "DisplayName": body.get("title", name),
        }
        store.create_app(
            name,
            app_id,
            str(body.get("title", name)),
            [],
            configdocs.render_app_doc(settings, [], [], []),
            configdocs.render_map_doc([]),
        )
        store.add_member(name, username, "Admin", f"user-{name}-{app_id}")
    return json_response(app_row(store, store.app(name), "Admin"))
