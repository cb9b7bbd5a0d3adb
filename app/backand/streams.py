"""Streaming bodies: a base64 JSON upload produced chunk by chunk, and a download written to disk.

Neither holds a whole configuration zip, or its base64, in memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3

from app.backand import errors
from app.errors import Cancelled
from app.fsutil import atomic_writer
from app.fsutil import sha256_file as sha256_file  # re-exported for callers of this module

REQUEST_LIMIT = 52_428_800  # 50 MiB per request body, base64 and JSON included
RAW_CHUNK = 3 * 64 * 1024  # a multiple of 3, so base64 chunks concatenate without padding
DOWNLOAD_CHUNK = 256 * 1024

Progress = Callable[[int, int | None], None]
CancelCheck = Callable[[], bool]


def base64_length(size: int) -> int:
    return 4 * ((size + 2) // 3)


class Base64JsonBody:
    """The body ``{"filename": ..., "filedata": "<base64>"}``, made in chunks from a zip on disk.

    ``len()`` gives the exact body length so that requests sends ``Content-Length`` instead of a
    chunked body. It is an iterable, not a file: urllib3 sends each 256 KiB chunk as it comes,
    where a file would be read 16 KiB at a time. *progress* receives raw zip bytes sent; *cancel*
    is checked before each chunk.
    """

    def __init__(
        self,
        path: Path,
        filename: str,
        progress: Progress | None = None,
        cancel: CancelCheck | None = None,
    ) -> None:
        self.path = path
        self.size = path.stat().st_size
        self._prefix = ('{"filename":' + json.dumps(filename) + ',"filedata":"').encode()
        self._suffix = b'"}'
        self._length = len(self._prefix) + base64_length(self.size) + len(self._suffix)
        self._progress = progress
        self._cancel = cancel

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        yield self._prefix
        sent = 0
        with open(self.path, "rb") as handle:
            while True:
                if self._cancel is not None and self._cancel():
                    raise Cancelled("upload cancelled by the user")
                raw = handle.read(RAW_CHUNK)
                if not raw:
                    break
                sent += len(raw)
                yield base64.b64encode(raw)
                if self._progress is not None:
                    self._progress(sent, self.size)
        yield self._suffix


def check_upload_size(path: Path, filename: str) -> int:
    """Return the body length of uploading *path*; refuse one over the request limit."""
    size = path.stat().st_size
    body = len(json.dumps(filename)) + 27 + base64_length(size)
    if body > REQUEST_LIMIT:
        raise errors.TooLargeError(
            f"The configuration zip {path.name} is {size:,} bytes; as base64 in JSON it would be "
            f"{body:,} bytes, over Backand's request limit of {REQUEST_LIMIT:,} bytes (50 MiB). "
            "The largest zip that can be imported is about 37 MiB."
        )
    return body


@dataclass(frozen=True)
class Downloaded:
    """A file written by :func:`stream_to_file`."""

    path: Path
    size: int
    sha256: str


def _arriving(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives (one read per chunk, so a trickle is seen, not waited for)."""
    raw = response.raw
    if not hasattr(raw, "read1"):  # an older urllib3
        yield from response.iter_content(DOWNLOAD_CHUNK)
        return
    while True:
        data = raw.read1(DOWNLOAD_CHUNK, decode_content=True)
        if not data:
            return
        yield data


MIN_RATE = 16 * 1024  # bytes per second below which a transfer counts as stalled
MAX_DOWNLOAD = 512 * 1024 * 1024  # far above the 50 MiB upload limit: only a hostile server sends more


def stream_to_file(
    response: requests.Response,
    dest: Path,
    what: str,
    progress: Progress | None = None,
    cancel: CancelCheck | None = None,
    grace: float = 120.0,
) -> Downloaded:
    """Write *response*'s body to *dest* in chunks; *dest* appears only when complete. The body must
    arrive within *grace* seconds plus one second per :data:`MIN_RATE` bytes, and be at most
    :data:`MAX_DOWNLOAD` bytes."""
    total_header = response.headers.get("Content-Length")
    total = int(total_header) if total_header and total_header.isdigit() else None
    if total is not None and total > MAX_DOWNLOAD:
        response.close()
        raise errors.ProtocolError(f"{what}: {total:,} bytes announced; not a configuration zip.")
    digest = hashlib.sha256()
    done = 0
    started = time.monotonic()
    try:
        with atomic_writer(dest) as handle:
            for chunk in _arriving(response):
                if cancel is not None and cancel():
                    raise Cancelled("download cancelled by the user")
                if done + len(chunk) > MAX_DOWNLOAD:
                    raise errors.ProtocolError(
                        f"{what}: more than {MAX_DOWNLOAD // (1024 * 1024)} MiB; not a configuration zip."
                    )
                allowed = grace + done / MIN_RATE  # a trickle never ends: the pace has a floor
                if time.monotonic() - started > allowed:
                    raise errors.TimeoutError_(
                        f"{what}: the server sent {done:,} bytes in {allowed:.0f} s, slower than "
                        f"{MIN_RATE // 1024} KiB/s; gave up."
                    )
                handle.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
            if total is not None and done != total:
                raise errors.NetworkError(f"{what}: the connection ended after {done:,} of {total:,} bytes.")
    except (requests.Timeout, urllib3.exceptions.ReadTimeoutError):
        raise errors.TimeoutError_(f"{what}: the server stopped sending after {done:,} bytes.") from None
    except (
        requests.ConnectionError,
        requests.exceptions.ChunkedEncodingError,
        urllib3.exceptions.HTTPError,
    ) as exc:
        raise errors.NetworkError(
            f"{what}: the connection dropped after {done:,} bytes ({type(exc).__name__})."
        ) from None
    finally:
        response.close()
    return Downloaded(dest, done, digest.hexdigest())
