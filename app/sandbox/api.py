"""The sandbox's WSGI application: the Backand routes plus the ``/_sandbox/`` extras."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from app import logs
from app.sandbox import handlers_apps, handlers_config, handlers_model, schema
from app.sandbox.auth import sign_in
from app.sandbox.faults import Fault, FaultMiddleware, FaultTable
from app.sandbox.http import GENERIC_500, app_name_header, error_response, json_response
from app.sandbox.store import SandboxError, Store

log = logs.sandbox

Handler = Callable[..., Response]


class SandboxApp:
    """Routes requests to handlers; turns :class:`SandboxError` into Backand's error shapes."""

    def __init__(self, store: Store, reseed: Callable[[], None]) -> None:
        self.store = store
        self.reseed = reseed
        self.faults = FaultTable()
        self.requests = RequestLog()
        routes: list[tuple[str, str, Handler]] = [
            ("/token", "POST", lambda r: sign_in(store, r)),
            ("/1/model", "GET", lambda r: handlers_model.get_model(store, r)),
            ("/1/model", "POST", lambda r: handlers_model.apply(store, r)),
            ("/1/model/validate", "POST", lambda r: handlers_model.validate(store, r)),
            ("/1/app/download", "GET", lambda r: handlers_config.download(store, r)),
            ("/1/app/upload", "POST", lambda r: handlers_config.upload(store, r)),
            ("/1/app/reload", "GET", lambda r: handlers_config.reload_cache(store, r)),
            ("/1/app/versions", "GET", lambda r: handlers_config.versions(store, r)),
            ("/1/app/restore", "GET", lambda r: handlers_config.restore(store, r)),
            ("/1/app/sync", "GET", lambda r: handlers_config.sync(store, r)),
            ("/admin/myApps", "GET", lambda r: handlers_apps.my_apps(store, r)),
            ("/admin/myApps", "POST", lambda r: handlers_apps.create_app(store, r)),
            ("/admin/myApps/<name>", "GET", lambda r, name: handlers_apps.one_app(store, r, name)),
            (
                "/admin/myAppConnection/status/<name>",
                "GET",
                lambda r, name: handlers_apps.app_status(store, r, name),
            ),
            ("/_sandbox/apps/<name>", "GET", self._app_state),
            ("/_sandbox/apps/<name>/status", "POST", self._set_status),
            ("/_sandbox/apps/<name>/keys", "GET", self._keys),
            ("/_sandbox/apps/<name>/rows", "POST", self._insert_rows),
            ("/_sandbox/faults", "GET", lambda r: json_response(self.faults.listing())),
            ("/_sandbox/faults", "POST", self._add_fault),
            ("/_sandbox/faults", "DELETE", self._clear_faults),
            ("/_sandbox/token-lifetime", "POST", self._token_lifetime),
            ("/_sandbox/expire-tokens", "POST", lambda r: json_response({"expired": store.expire_tokens()})),
            ("/_sandbox/reset", "POST", self._reset),
            ("/_sandbox/requests", "GET", lambda r: json_response(self.requests.listing())),
            ("/_sandbox/requests", "DELETE", lambda r: json_response(self.requests.clear())),
        ]
        self.handlers: dict[str, Handler] = {}
        rules = []
        for index, (path, method, handler) in enumerate(routes):
            endpoint = f"r{index}"
            self.handlers[endpoint] = handler
            rules.append(Rule(path, methods=[method], endpoint=endpoint, strict_slashes=False))
        self.url_map = Map(rules)
        self.wsgi = FaultMiddleware(self._dispatch, self.faults, store.expire_tokens)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.requests.note(environ)
        return self.wsgi(environ, start_response)

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        request.max_form_memory_size = 1024 * 1024
        try:
            endpoint, args = self.url_map.bind_to_environ(environ).match()
            response = self.handlers[endpoint](request, **args)
        except SandboxError as exc:
            response = error_response(request, exc)
        except (NotFound, MethodNotAllowed) as exc:
            text = (
                "No HTTP resource was found that matches the request URI."
                if isinstance(exc, NotFound)
                else "The requested resource does not support this method."
            )
            response = error_response(request, SandboxError(exc.code or 404, text))
        except HTTPException as exc:
            response = exc.get_response(environ)
        except Exception as exc:  # the server's own catch-all, as Backand's
            log.exception("sandbox handler failed")
            response = error_response(request, SandboxError(500, GENERIC_500 + str(exc)))
        return response(environ, start_response)

    # -- /_sandbox/ -----------------------------------------------------------------------------

    def _app_state(self, request: Request, name: str) -> Response:
        with self.store.lock:
            app = self.store.app(name)
            conn = self.store.app_db(app.name)
            try:
                tables = {t: schema.column_names(conn, t) for t in schema.table_names(conn)}
                rows = {t: conn.execute(f"SELECT COUNT(*) FROM {schema.q(t)}").fetchone()[0] for t in tables}
            finally:
                conn.close()
            return json_response(
                {
                    "name": app.name,
                    "app_id": app.app_id,
                    "status": app.status,
                    "stored_version": self.store.doc_version(app.doc_id),
                    "cached_version": self.store.doc_version(app.cached_doc_id),
                    "cache_stale": app.doc_id != app.cached_doc_id,
                    "versions": self.store.listed_versions(app.name),
                    "model": app.model,
                    "tables": tables,
                    "rows": rows,
                }
            )

    def _keys(self, request: Request, name: str) -> Response:
        """The app's keys for the demo admin (they change at every reset)."""
        from app.sandbox import seed

        app = self.store.app(name)
        return json_response(
            {"master_token": app.master_token, "user_token": self.store.user_token(app.name, seed.ADMIN[0])}
        )

    def _set_status(self, request: Request, name: str) -> Response:
        status = str(_json_body(request).get("status", ""))
        if status not in handlers_apps.STATUS_CODES:
            raise SandboxError(400, f"status must be one of {sorted(handlers_apps.STATUS_CODES)}")
        self.store.set_status(self.store.app(name).name, status)
        return json_response({"status": status})

    def _insert_rows(self, request: Request, name: str) -> Response:
        body = _json_body(request)
        table, rows = str(body.get("table")), body.get("rows") or []
        with self.store.lock:
            conn = self.store.app_db(self.store.app(name).name)
            try:
                for row in rows:
                    cols = ", ".join(schema.q(k) for k in row)
                    marks = ", ".join("?" for _ in row)
                    conn.execute(
                        f"INSERT INTO {schema.q(table)} ({cols}) VALUES ({marks})", list(row.values())
                    )
            finally:
                conn.close()
        return json_response({"inserted": len(rows)})

    def _add_fault(self, request: Request) -> Response:
        try:
            fault = Fault.from_json(_json_body(request))
        except (TypeError, ValueError) as exc:
            raise SandboxError(400, f"Bad fault: {exc}") from None
        self.faults.add(fault)
        return json_response(self.faults.listing())

    def _clear_faults(self, request: Request) -> Response:
        self.faults.clear()
        return json_response([])

    def _token_lifetime(self, request: Request) -> Response:
        seconds = float(_json_body(request).get("seconds", 86400))
        self.store.set_setting("token_lifetime", str(seconds))
        return json_response({"seconds": seconds})

    def _reset(self, request: Request) -> Response:
        self.faults.clear()
        self.reseed()
        return json_response({"reset": True})


class RequestLog:
    """The Backand calls the sandbox received (method, path, app), newest last, for tests and the
    bench to count what a read cost (``GET``/``DELETE /_sandbox/requests``); ``/_sandbox/`` calls are
    not logged. Bounded: the oldest are dropped past 10,000."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: deque[dict[str, str | None]] = deque(maxlen=10_000)

    def note(self, environ: dict[str, Any]) -> None:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith("/_sandbox/"):
            return
        call = {
            "method": str(environ.get("REQUEST_METHOD", "GET")),
            "path": path,
            "app": app_name_header(Request(environ)),
        }
        with self._lock:
            self._calls.append(call)

    def listing(self) -> list[dict[str, str | None]]:
        with self._lock:
            return list(self._calls)

    def clear(self) -> list[dict[str, str | None]]:
        with self._lock:
            self._calls.clear()
        return []


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.get_data(cache=False) or b"{}")
    except ValueError:
        raise SandboxError(400, "The body must be JSON.") from None
    if not isinstance(body, dict):
        raise SandboxError(400, "The body must be a JSON object.")
    return body
