"""Run the sandbox: a werkzeug server on loopback, in a thread (tests, demo) or in the foreground."""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Callable
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from app import logs
from app.backand.urlpolicy import is_loopback_host
from app.errors import UsageError
from app.sandbox import seed
from app.sandbox.api import SandboxApp
from app.sandbox.store import Store

log = logs.sandbox


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("%s %s -> %s", self.command, self.path, code)

    def log_error(self, format: str, *args: object) -> None:
        log.debug("http error: " + format, *args)


def _listen(host: str, port: int, app: SandboxApp) -> BaseWSGIServer:
    """werkzeug's server on *host*:*port*; werkzeug prints a port in use and calls ``sys.exit``:
    here that is an error that says so."""
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):
            return make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    except SystemExit:
        why = " ".join(said.getvalue().split()) or "it cannot listen there"
        raise UsageError(f"The sandbox cannot listen on {host}:{port}: {why}") from None


class SandboxServer:
    """The Backand-compatible sandbox on *host*:*port* with its state under *data_dir*."""

    def __init__(
        self,
        data_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        public: bool = False,
        seeder: Callable[[Store], None] = seed.seed,
    ) -> None:
        if not public and not is_loopback_host(host):
            raise UsageError(
                f"Refusing to serve the sandbox on {host}: it is not a loopback address. "
                "Pass --public to expose it on purpose."
            )
        self.data_dir = data_dir
        self.store = Store(data_dir)
        self._seeder = seeder  # the demo's apps; a restore drill's sandbox starts with none
        try:
            if self.store.is_empty():
                seeder(self.store)
            self.app = SandboxApp(self.store, self._reseed)
            self._server: BaseWSGIServer = _listen(host, port, self.app)
        except BaseException:  # a port in use, a full disk: the store is not left open
            self.store.close()
            raise
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        host = self._server.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    def _reseed(self) -> None:
        with self.store.lock:
            self.store.wipe()
            self._seeder(self.store)

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox", daemon=True)
        self._thread.start()
        log.info("sandbox listening on %s (data %s)", self.url, self.data_dir)
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self.app.faults.closing.set()  # a call held by a delay fault ends now, not against a closed store
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.store.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
