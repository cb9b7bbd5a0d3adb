"""The Backand management API client: one instance per connection (base URL, app, credentials).

Every call of ``shared/backand-api.md`` has a method here. Quirks handled: the URL-decoded model
bodies, the three error shapes, 204 for a not-ready app, refresh-once-and-replay on an expired
token, and version labels sorted by the client.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from app import logs
from app.backand import errors
from app.backand.auth import BearerCredentials, Credentials, KeyCredentials, PasswordLogin, TokenSet
from app.backand.model import Model
from app.backand.quirks import encode_url_decoded_json, sort_versions
from app.backand.streams import (
    MIN_RATE,
    Base64JsonBody,
    CancelCheck,
    Downloaded,
    Progress,
    check_upload_size,
    stream_to_file,
)
from app.backand.transport import Timeouts, Transport
from app.kinds import Valid
from app.modelcheck import model_shape_problem

log = logs.network

@dataclass(frozen=True)
class Validation:
    """The result of ``POST /1/model/validate``."""

    valid: Valid
    warnings: list[Any] = field(default_factory=list)
    dropped_tables: list[str] = field(default_factory=list)
    dropped_columns: list[tuple[str, str]] = field(default_factory=list)
    alter: list[str] = field(default_factory=list)
    complete: bool = True  # False on the severity-0 early return (no notifications sent)

    @classmethod
    def from_response(cls, body: dict[str, Any]) -> Validation:
        notes = body.get("notifications")
        dropped_tables: list[str] = []
        dropped_columns: list[tuple[str, str]] = []
        if isinstance(notes, dict):
            dropped_tables = [str(t) for t in notes.get("droppedTables") or []]
            dropped_columns = [
                (str(c.get("table")), str(c.get("column")))
                for c in notes.get("droppedColumns") or []
                if isinstance(c, dict)
            ]
        return cls(
            valid=Valid(body["valid"]),
            warnings=list(body.get("warnings") or []),
            dropped_tables=dropped_tables,
            dropped_columns=dropped_columns,
            alter=[str(s) for s in body.get("alter") or []],
            complete=isinstance(notes, dict),
        )

    def warning_lines(self) -> list[str]:
        lines = []
        for item in self.warnings:
            if isinstance(item, dict):
                parts = [f"{k}={v}" for k, v in item.items() if k != "kind"]
                lines.append(f"{item.get('kind', 'warning')}: {', '.join(parts)}")
            else:
                lines.append(str(item))
        return lines


@dataclass(frozen=True)
class VersionList:
    """``GET /1/app/versions``, with the labels in true order (oldest first)."""

    versions: list[str]
    current: str | None

    @property
    def newest_first(self) -> list[str]:
        return list(reversed(self.versions))


class BackandClient:
    """One connection to one Backand app.

    Args:
        base_url: the server, e.g. ``https://api.backand.com``.
        app_name: the app every call is about (header ``AppName``).
        credentials: :class:`PasswordLogin` (call :meth:`sign_in` first), bearer tokens or keys.
        on_tokens: called with the new :class:`TokenSet` after a sign-in or a refresh, so that the
            caller can store it (in the keyring).
    """

    def __init__(
        self,
        base_url: str,
        app_name: str,
        credentials: Credentials,
        *,
        timeouts: Timeouts | None = None,
        allow_insecure_http: bool = False,
        retries: int = 2,
        on_tokens: Callable[[TokenSet], None] | None = None,
    ) -> None:
        self.transport = Transport(
            base_url, timeouts=timeouts, allow_insecure_http=allow_insecure_http, retries=retries
        )
        self.app_name = app_name
        self.credentials: Credentials = credentials
        self.on_tokens = on_tokens
        self._refresh_lock = threading.Lock()
        for secret in _secret_values(credentials):
            logs.register_secret(secret)

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    def close(self) -> None:
        self.transport.close()

    def abort(self) -> None:
        """End the call under way from another thread and refuse any later one (see Transport.abort)."""
        self.transport.abort()

    def __enter__(self) -> BackandClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- authentication -------------------------------------------------------------------------

    def sign_in(self, password: str) -> TokenSet:
        """``POST /token`` with the password grant; afterwards the client uses the tokens."""
        login = self.credentials
        if not isinstance(login, PasswordLogin | BearerCredentials) or not login.username:
            raise errors.AuthError("Sign-in needs a username (a password profile).")
        logs.register_secret(password)
        form = {
            "grant_type": "password",
            "username": login.username,
            "password": password,
            "appName": login.signin_app,
        }
        tokens = self._token_call(form, "Sign in")
        self._adopt(tokens, login.username, login.signin_app)
        return tokens

    def refresh(self) -> TokenSet:
        """``POST /token`` with the refresh token."""
        creds = self.credentials
        if not isinstance(creds, BearerCredentials) or not creds.refresh_token:
            raise errors.AuthError(
                "The access token has expired and there is no refresh token: sign in again."
            )
        form = {
            "grant_type": "password",
            "username": creds.username or "",
            "refreshToken": creds.refresh_token,
            "appName": creds.signin_app,
        }
        tokens = self._token_call(form, "Refresh the token")
        self._adopt(tokens, creds.username, creds.signin_app, keep_refresh=creds.refresh_token)
        return tokens

    def _token_call(self, form: dict[str, str], what: str) -> TokenSet:
        response = self.transport.send(
            "POST",
            "/token",
            what=what,
            headers={"Accept": "application/json"},
            body=lambda: form,
        )
        body = _json(response, what)
        if not isinstance(body, dict) or "access_token" not in body:
            raise errors.ProtocolError(f"{what}: the answer has no access_token.")
        return TokenSet.from_response(body)

    def _adopt(
        self,
        tokens: TokenSet,
        username: str | None,
        signin_app: str,
        keep_refresh: str | None = None,
    ) -> None:
        logs.register_secret(tokens.access_token)
        logs.register_secret(tokens.refresh_token)
        self.credentials = BearerCredentials(
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token or keep_refresh,
            username=tokens.username or username,
            signin_app=signin_app,
        )
        if self.on_tokens is not None:
            self.on_tokens(
                TokenSet(
                    access_token=tokens.access_token,
                    refresh_token=tokens.refresh_token or keep_refresh,
                    expires_in=tokens.expires_in,
                    username=tokens.username or username,
                    role=tokens.role,
                    app_name=tokens.app_name,
                )
            )

    def _auth_header(self) -> str:
        creds = self.credentials
        if isinstance(creds, PasswordLogin):
            raise errors.AuthError(f"Not signed in as {creds.username}: sign in first.")
        return creds.header()

    # -- the request loop -----------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: dict[str, str] | None = None,
        body: Callable[[], Any] | None = None,
        content_type: str | None = None,
        idempotent: bool = False,
        stream: bool = False,
        extra_seconds: float = 0.0,
    ) -> requests.Response:
        replayed = False
        while True:
            headers = {
                "Authorization": self._auth_header(),
                "AppName": self.app_name,
                "Accept": "application/json",
            }
            if content_type:
                headers["Content-Type"] = content_type
            try:
                return self.transport.send(
                    method,
                    path,
                    what=what,
                    headers=headers,
                    params=params,
                    body=body,
                    idempotent=idempotent,
                    stream=stream,
                    extra_seconds=extra_seconds,
                )
            except errors.TokenExpired:
                if replayed or not isinstance(self.credentials, BearerCredentials):
                    raise
                self._refresh_once(headers["Authorization"])
                replayed = True

    def _refresh_once(self, used_header: str) -> None:
        with self._refresh_lock:
            if self._auth_header() != used_header:
                return  # another thread refreshed meanwhile
            log.info("token expired; refreshing once and replaying the call")
            self.refresh()

    def _get_json(self, path: str, what: str, params: dict[str, str] | None = None) -> Any:
        response = self._call("GET", path, what, params=params, idempotent=True)
        if response.status_code == 204:
            raise errors.NotReadyError(
                f"{what}: the app {self.app_name} is not ready (HTTP 204, database not ready).",
                status=204,
            )
        return _json(response, what)

    # -- model ----------------------------------------------------------------------------------

    def get_model(self) -> Model:
        """``GET /1/model``: the app's objects, in order."""
        what = f"Read the model of {self.app_name}"
        body = self._get_json("/1/model", what)
        problem = model_shape_problem(body)
        if problem:
            raise errors.ProtocolError(f"{what}: the server's answer is not a model ({problem}).")
        return body  # type: ignore[no-any-return]

    def validate_model(self, new: Model, old: Model, severity: int = 0) -> Validation:
        """``POST /1/model/validate`` of *new* against *old* (which must be the server's model)."""
        what = f"Validate the model on {self.app_name}"
        data = encode_url_decoded_json({"newSchema": new, "oldSchema": old, "severity": severity})
        response = self._call(
            "POST", "/1/model/validate", what, body=lambda: data, content_type="application/json"
        )
        body = self._data_or_not_ready(response, what)
        if not isinstance(body, dict) or "valid" not in body:
            raise errors.ProtocolError(f"{what}: the answer has no 'valid'.")
        if body["valid"] not in tuple(Valid):
            said = body["valid"]
            raise errors.ProtocolError(f"{what}: 'valid' is {said!r}, not one of always, data, never.")
        return Validation.from_response(body)

    def validate_fully(self, new: Model, old: Model) -> Validation:
        """Validate at severity 0; when the verdict is ``data`` the notifications are missing (an
        early return), so ask again at severity 1, which is still read-only."""
        result = self.validate_model(new, old, severity=0)
        if result.valid == Valid.DATA and not result.complete:
            full = self.validate_model(new, old, severity=1)
            return Validation(
                result.valid, result.warnings, full.dropped_tables, full.dropped_columns, full.alter, True
            )
        return result

    def apply_model(self, new: Model, severity: int = 0, first_time: bool = False) -> Model:
        """``POST /1/model``: alters the app's tables. Dropped tables and columns lose their data."""
        what = f"Apply the model to {self.app_name}"
        data = encode_url_decoded_json({"newSchema": new, "severity": severity})
        response = self._call(
            "POST",
            "/1/model",
            what,
            params={"firstTime": "true"} if first_time else None,
            body=lambda: data,
            content_type="application/json",
        )
        body = self._data_or_not_ready(response, what)
        if not isinstance(body, list):
            raise errors.ProtocolError(f"{what}: the answer is not the model array.")
        return body

    def _data_or_not_ready(self, response: requests.Response, what: str) -> Any:
        if response.status_code == 204:
            raise errors.NotReadyError(
                f"{what}: the app {self.app_name} is not ready (HTTP 204).", status=204
            )
        return _json(response, what)

    # -- configuration --------------------------------------------------------------------------

    def download_config(
        self,
        dest: Path,
        version: str | None = None,
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
    ) -> Downloaded:
        """``GET /1/app/download``: stream the configuration zip to *dest* (atomically)."""
        label = f" version {version}" if version else ""
        what = f"Download the configuration{label} of {self.app_name}"
        response = self._call(
            "GET",
            "/1/app/download",
            what,
            params={"version": version} if version else None,
            idempotent=True,
            stream=True,
        )
        if response.status_code == 204:
            response.close()
            raise errors.NotReadyError(f"{what}: the app is not ready (HTTP 204).", status=204)
        ctype = response.headers.get("Content-Type", "")
        if "html" in ctype or "json" in ctype:
            response.close()
            raise errors.ProtocolError(f"{what}: expected a zip, got {ctype or 'no content type'}.")
        return stream_to_file(response, dest, what, progress, cancel, grace=self.transport.timeouts.read)

    def upload_config(
        self,
        zip_path: Path,
        filename: str | None = None,
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
    ) -> str:
        """``POST /1/app/upload``: the zip as base64 in JSON, streamed. Returns the server's message.

        The cache is not refreshed: call :meth:`reload_cache` afterwards.
        """
        name = filename or zip_path.name
        what = f"Upload the configuration {name} to {self.app_name}"
        check_upload_size(zip_path, name)
        response = self._call(
            "POST",
            "/1/app/upload",
            what,
            body=lambda: Base64JsonBody(zip_path, name, progress, cancel),
            content_type="application/json",
            extra_seconds=zip_path.stat().st_size * 4 / 3 / MIN_RATE,  # the body's own time, at the floor
        )
        body = self._data_or_not_ready(response, what)
        if not isinstance(body, dict) or not body.get("success"):
            raise errors.ProtocolError(f"{what}: the server did not confirm ({body!r:.200}).")
        return str(body.get("message", ""))

    def reload_cache(self) -> None:
        """``GET /1/app/reload``: clear the app's cached configuration."""
        what = f"Clear the cache of {self.app_name}"
        response = self._call("GET", "/1/app/reload", what)
        response.close()
        if response.status_code == 204:  # not the 200 of a done reload: the cache may still be stale
            raise errors.NotReadyError(
                f"{what}: the app is not ready (HTTP 204); the cache was not cleared.", status=204
            )

    # -- versions -------------------------------------------------------------------------------

    def list_versions(self) -> VersionList:
        """``GET /1/app/versions``, sorted component by component (the server's order is wrong)."""
        what = f"List the versions of {self.app_name}"
        body = self._get_json("/1/app/versions", what)
        if not isinstance(body, dict) or not isinstance(body.get("versions"), list):
            raise errors.ProtocolError(f"{what}: unexpected answer.")
        current = body.get("current")
        return VersionList(sort_versions(str(v) for v in body["versions"]), current and str(current))

    def set_version(self, version: str) -> None:
        """A Set: ``GET /1/app/restore?version=`` makes *version* current; refreshes the cache.
        (The promoter calls this one write "Set" everywhere; history records it as ``rollback``.)"""
        response = self._call(
            "GET",
            "/1/app/restore",
            f"Restore version {version} of {self.app_name}",
            params={"version": version},
        )
        response.close()

    # -- apps -----------------------------------------------------------------------------------

    def get_app(self, name: str | None = None) -> dict[str, Any]:
        app = name or self.app_name
        body = self._get_json(f"/admin/myApps/{app}", f"Read the app {app}")
        if not isinstance(body, dict):
            raise errors.ProtocolError(f"Read the app {app}: unexpected answer.")
        return body

    def app_status(self, name: str | None = None) -> str:
        app = name or self.app_name
        body = self._get_json(f"/admin/myAppConnection/status/{app}", f"Status of {app}")
        if not isinstance(body, dict) or "status" not in body:
            raise errors.ProtocolError(f"Status of {app}: unexpected answer.")
        return str(body["status"])


def _json(response: requests.Response, what: str) -> Any:
    ctype = response.headers.get("Content-Type", "")
    text = response.text
    if "json" not in ctype.lower():
        snippet = text.lstrip()[:60].lower()
        if "html" in ctype.lower() or snippet.startswith("<"):
            raise errors.ProtocolError(
                f"{what}: the server answered with an HTML page instead of JSON "
                "(a proxy or gateway error page?).",
                status=response.status_code,
            )
        raise errors.ProtocolError(
            f"{what}: expected JSON, got content type {ctype or 'none'}.",
            status=response.status_code,
        )
    try:
        return response.json()
    except RecursionError:
        raise errors.ProtocolError(
            f"{what}: the server's answer is nested too deeply to be Backand's.", status=response.status_code
        ) from None
    except ValueError:
        raise errors.ProtocolError(
            f"{what}: the server's answer is not valid JSON ({text[:80]!r}).",
            status=response.status_code,
        ) from None


def _secret_values(credentials: Credentials) -> list[str]:
    if isinstance(credentials, BearerCredentials):
        return [credentials.access_token, credentials.refresh_token or ""]
    if isinstance(credentials, KeyCredentials):  # and the header's base64, which a server may echo
        return [credentials.master_token, credentials.user_token, credentials.header().split(" ", 1)[1]]
    return []
