"""Fault injection for tests and rehearsals: error statuses, delays, dropped connections.

A fault matches a path (exact, or a prefix ending in ``*``), optionally a method and an app, and
fires *times* times. ``when`` is ``before`` (the call is not carried out) or ``after`` (the call is
carried out, then the answer is replaced or cut: the client cannot know that it succeeded).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from app import logs
from app.sandbox.http import app_name_header

log = logs.sandbox


class Dropped(ConnectionAbortedError):
    """Raised after the socket was shut down on purpose; werkzeug treats it as a dropped client."""


@dataclass
class Fault:
    path: str
    method: str | None = None
    app: str | None = None
    status: int | None = None
    body: str | None = None
    delay: float = 0.0
    drop_after: int | None = None
    times: int = 1
    when: str = "before"
    expire_tokens: bool = False
    redirect: str | None = None
    content_type: str | None = None
    skip: int = 0  # let this many matching requests through first
    slow_body: float = 0.0  # seconds slept per 64 KiB of the body (request body for POST, else response)

    def matches(self, method: str, path: str, app: str | None) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.app and (app or "") != self.app.lower():
            return False
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Fault:
        known = set(cls.__dataclass_fields__)
        unknown = set(body) - known
        if unknown or "path" not in body:
            raise ValueError(f"unknown or missing keys: {sorted(unknown) or ['path']}")
        fault = cls(**body)
        if fault.when not in ("before", "after"):
            raise ValueError("when must be 'before' or 'after'")
        return fault


class FaultTable:
    """The armed faults; thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.closing = threading.Event()  # set when the server stops: a delay under way ends then

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, method: str, path: str, app: str | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, app):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None


def _kill(environ: dict[str, Any]) -> None:
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    raise Dropped("connection dropped by fault injection")


class FaultMiddleware:
    """WSGI middleware applying the :class:`FaultTable` to every non-``/_sandbox/`` call."""

    def __init__(self, app: Any, table: FaultTable, expire_tokens: Any) -> None:
        self.app = app
        self.table = table
        self.expire_tokens = expire_tokens

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sandbox/"):
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        from werkzeug.wrappers import Request

        app = app_name_header(Request(environ))
        fault = self.table.take(environ.get("REQUEST_METHOD", "GET"), path, app)
        if fault is None:
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        log.info("fault fires on %s %s: %s", environ.get("REQUEST_METHOD"), path, fault)
        if fault.delay and self.table.closing.wait(fault.delay):
            _kill(environ)  # the server stopped meanwhile: its store is closed, the call is dropped
        if fault.expire_tokens:
            self.expire_tokens()
        if fault.redirect:
            start_response("302 Found", [("Location", fault.redirect), ("Content-Length", "0")])
            return []
        has_body = int(environ.get("CONTENT_LENGTH") or 0) > 0
        if fault.slow_body:
            if has_body:
                environ["wsgi.input"] = _SlowReader(environ["wsgi.input"], fault.slow_body)
                return self.app(environ, start_response)  # type: ignore[no-any-return]
            return self._slow(self.app(environ, start_response), fault.slow_body)
        if fault.when == "before":
            if fault.drop_after is not None and has_body:
                environ["wsgi.input"].read(fault.drop_after)
                _kill(environ)
            if fault.status is not None:
                return self._answer(fault, environ, start_response)
            if fault.drop_after is not None:
                return self._cut(self.app(environ, start_response), fault.drop_after, environ)
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        # after: carry the call out, then spoil the answer
        captured: list[Any] = []

        def capture(*args: Any) -> Any:
            captured.append(args)
            return lambda _body: None

        result = self.app(environ, capture)
        if fault.drop_after is not None and fault.status is None:
            start_response(*captured[0])
            return self._cut(result, fault.drop_after, environ)
        for _ in result:
            pass
        if hasattr(result, "close"):
            result.close()
        return self._answer(fault, environ, start_response)

    @staticmethod
    def _answer(fault: Fault, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        status = fault.status or 500
        if status == 204:
            start_response("204 No Content", [])
            return []
        if 200 <= status < 300:
            body = (fault.body or "").encode()
            ctype = fault.content_type or "application/json"
        elif fault.body is not None and fault.body.lstrip().startswith("<"):
            body = fault.body.encode()
            ctype = "text/html"
        elif status == 401:
            body = json.dumps({"Message": fault.body or "invalid or expired token"}).encode()
            ctype = "application/json"
        else:
            text = fault.body or (
                "An error occurred, please try again or contact the administrator. "
                f"Error details: injected fault {status}"
            )
            body = json.dumps(text).encode()
            ctype = "application/json"
        start_response(f"{status} Injected", [("Content-Type", ctype), ("Content-Length", str(len(body)))])
        return [body]

    @staticmethod
    def _slow(result: Iterable[bytes], pause: float) -> Iterator[bytes]:
        try:
            for chunk in result:
                for start in range(0, len(chunk), 65536):
                    time.sleep(pause)
                    yield chunk[start : start + 65536]
        finally:
            if hasattr(result, "close"):
                result.close()

    @staticmethod
    def _cut(result: Iterable[bytes], limit: int, environ: dict[str, Any]) -> Iterator[bytes]:
        sent = 0
        try:
            for chunk in result:
                if sent + len(chunk) >= limit:
                    yield chunk[: max(0, limit - sent)]
                    _kill(environ)
                sent += len(chunk)
                yield chunk
            _kill(environ)
        finally:
            if hasattr(result, "close"):
                result.close()


class _SlowReader:
    """A request body read slowly (a slow client link), for kill-during-upload rehearsals."""

    def __init__(self, raw: Any, pause: float) -> None:
        self.raw, self.pause = raw, pause

    def read(self, size: int = -1) -> bytes:
        time.sleep(self.pause)
        return bytes(self.raw.read(65536 if size < 0 or size > 65536 else size))

    def readline(self, size: int = -1) -> bytes:
        return bytes(self.raw.readline(size))
