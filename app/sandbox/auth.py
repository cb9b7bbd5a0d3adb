"""The sandbox's sign-in (``POST /token``) and the authorisation filter of every other call."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from werkzeug.wrappers import Request, Response

from app.sandbox.http import app_name_header, json_response
from app.sandbox.store import AppRow, SandboxError, Store

SYSTEM_APP = "bko"
ROLE_TEXT = "The action is unauthorized for this current user role."


@dataclass(frozen=True)
class Context:
    """Who is calling, for which app."""

    username: str
    role: str  # Admin, Developer, User, or Key (basic access skips role checks)
    app: AppRow

    @property
    def is_admin(self) -> bool:
        return self.role in ("Admin", "Key")


def sign_in(store: Store, request: Request) -> Response:
    form = request.form
    app_name = (form.get("appName") or form.get("appname") or "").lower()
    username = form.get("username") or ""
    if not app_name:
        raise SandboxError(400, "The app name was not supplied.", "grant")
    if app_name != SYSTEM_APP and not store.app_exists(app_name):
        raise SandboxError(400, f"The app {app_name} does not exist.", "grant")
    refresh = form.get("refreshToken")
    if refresh is not None:
        owner = store.token(refresh, "refresh")
        if owner is None or owner != (username, app_name):
            raise SandboxError(400, "Invalid refreshToken.", "refresh")
    elif not store.check_password(username, form.get("password") or ""):
        raise SandboxError(400, "The user name or password is incorrect.", "grant")
    if app_name != SYSTEM_APP and store.role_of(app_name, username) is None:
        raise SandboxError(400, f"The user is not a member of the app {app_name}.", "grant")
    user = store.user(username)
    role = "Admin" if app_name == SYSTEM_APP else (store.role_of(app_name, username) or "User")
    body: dict[str, object] = {
        "access_token": store.issue_token(username, app_name),
        "token_type": "bearer",
        "expires_in": int(store.token_lifetime),
        "appName": app_name,
        "username": username,
        "role": role,
        "fullName": user[1] if user else username,
        "userId": abs(hash(username)) % 100000,
    }
    if app_name == SYSTEM_APP or store.app(app_name).refresh_tokens:
        body["refresh_token"] = refresh or store.issue_token(username, app_name, "refresh")
    return json_response(body)


def authorise(store: Store, request: Request, *, app_required: bool = True) -> Context | str:
    """Return the caller's context (or, for ``/admin`` calls without an app, the username)."""
    header = request.headers.get("Authorization", "")
    wanted = app_name_header(request)
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        owner = store.token(value.strip())
        if owner is None:
            raise SandboxError(401, "invalid or expired token", "message")
        username, token_app = owner
        if not app_required and wanted is None:
            return username
        app_name = wanted or token_app
        if token_app not in (SYSTEM_APP, app_name):
            raise SandboxError(401, f"The access token is not allowed to app {app_name}", "message")
        app = store.app(app_name)
        role = store.role_of(app.name, username)
        if role is None:
            raise SandboxError(401, f"The user is not allowed to access the app {app.name}", "message")
        return Context(username, role, app)
    if scheme.lower() == "basic" and value:
        try:
            master, _, user_token = base64.b64decode(value.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise SandboxError(401, "Invalid basic authorization header.", "message") from None
        keyed = store.app_by_master(master)
        if keyed is None or not keyed.key_access:
            raise SandboxError(401, "The app keys are not valid or key access is disabled.", "message")
        if wanted and wanted != keyed.name:
            raise SandboxError(401, f"The keys are not allowed to app {wanted}", "message")
        key_user = store.key_user(keyed.name, user_token)
        if key_user is None:
            raise SandboxError(401, "The user key is not valid.", "message")
        return Context(key_user, "Key", keyed)
    raise SandboxError(401, "Authorization has been denied for this request.", "message")


def require_context(store: Store, request: Request) -> Context:
    ctx = authorise(store, request)
    assert isinstance(ctx, Context)
    if ctx.app.status != "Ready":
        raise SandboxError(204, "")
    return ctx


def require_admin(store: Store, request: Request) -> Context:
    ctx = require_context(store, request)
    if not ctx.is_admin:
        raise SandboxError(404, ROLE_TEXT)
    return ctx
