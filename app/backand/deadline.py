"""An overall deadline per call. A server trickling one byte at a time never trips a read timeout
(it applies to each read); when the deadline passes, the sockets of the call are shut down, so the
blocked read returns, and the failure is reported as a timeout that names the deadline."""

from __future__ import annotations

import contextlib
import socket
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from app.backand import errors

T = TypeVar("T")
Connections = weakref.WeakSet[Any]


def track_connections(session: requests.Session) -> Connections:
    """Make *session*'s pools remember every connection they open (checked out ones included)."""
    opened: Connections = weakref.WeakSet()

    def tracking(base: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
        class Tracking(base):  # type: ignore[valid-type,misc]
            def _new_conn(self) -> Any:
                conn = super()._new_conn()
                opened.add(conn)
                return conn

        return Tracking

    for prefix in ("http://", "https://"):
        adapter = session.get_adapter(prefix)
        if isinstance(adapter, HTTPAdapter):
            adapter.poolmanager.pool_classes_by_scheme = {
                "http": tracking(HTTPConnectionPool),
                "https": tracking(HTTPSConnectionPool),
            }
    return opened


def shut_down(connections: Connections) -> None:
    """Shut down the sockets of *connections* (from any thread): a read blocked on one returns."""
    for conn in list(connections):
        sock = getattr(conn, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class Deadline:
    def __init__(self, connections: Connections, seconds: float, what: str) -> None:
        self.connections, self.seconds, self.what = connections, seconds, what
        self.expired = threading.Event()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        self.expired.set()
        shut_down(self.connections)

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def guard(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except (errors.NetworkError, requests.RequestException, OSError, AttributeError, ValueError):
            if self.expired.is_set():
                error = errors.TimeoutError_(
                    f"{self.what}: no complete answer within {self.seconds:g} s (the overall deadline); "
                    "the server is too slow or trickling."
                )
                error.deadline = True  # type: ignore[attr-defined]
                raise error from None
            raise
