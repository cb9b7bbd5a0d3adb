"""A raw-socket HTTP server that misbehaves on purpose: trickles its headers or its body one byte
at a time, or sends an endless body. The sandbox (werkzeug) cannot be made to do these."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def hostile(
    mode: str,
    status: str = "200 OK",
    ctype: str = "application/json",
    length: int = 2_000_000_000,
    location: str = "",
    address: tuple[str, int] = ("127.0.0.1", 0),
) -> Iterator[str]:
    """Serve on loopback in *mode*: ``trickle-headers``, ``trickle-body``, ``endless-body`` or
    ``redirect`` (a 302 to *location*); ``record`` answers 200 and keeps what it was sent. On
    *address* (``("::1", port)`` listens on the IPv6 loopback)."""
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    listener = socket.socket(family)
    listener.bind(address)
    listener.listen(8)
    stop = threading.Event()
    received: list[bytes] = []

    def serve(conn: socket.socket) -> None:
        conn.settimeout(1)
        try:
            request = conn.recv(65536)
            received.append(request)
            if mode == "redirect":
                conn.sendall(
                    f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()
                )
                return
            if mode == "record":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]"
                )
                return
            head = f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {length}\r\n\r\n"
            if mode == "trickle-headers":
                for byte in head.encode():
                    if stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(0.2)
            conn.sendall(head.encode())
            chunk = b"x" * 65536
            while not stop.is_set():
                if mode == "trickle-body":
                    conn.sendall(b"x")
                    time.sleep(0.05)
                else:
                    conn.sendall(chunk)
        except OSError:
            pass
        finally:
            conn.close()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        hostile.received = received  # type: ignore[attr-defined]
        host = f"[{address[0]}]" if family == socket.AF_INET6 else address[0]
        yield f"http://{host}:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()
