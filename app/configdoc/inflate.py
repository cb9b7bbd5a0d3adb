"""Read a zip member's text, inflated with ISA-L where it is installed (zlib otherwise).

ISA-L (the ``isal`` package, wheels for Linux, macOS and Windows on x86-64 and ARM64) inflates a
configuration's deflate stream in about 0.6-0.7 of zlib's time (35 MiB of action code: 147 → 103 ms;
78 MiB of structured XML: 207 → 104 ms); it is declared only where it has wheels, and this module
falls back to :mod:`zlib` with the same results wherever it is missing.

The reader checks what :class:`zipfile.ZipExtFile` checks: the local header agrees with the central
directory, the member is not encrypted, and at its end the CRC-32 and the size are the directory's.
"""

from __future__ import annotations

import queue
import struct
import threading
import zipfile
import zlib
from types import ModuleType, TracebackType
from typing import IO, Any

_codec: ModuleType
try:
    from isal import isal_zlib as _codec
except ImportError:  # pragma: no cover - where ISA-L has no wheel
    _codec = zlib

CODEC = "isal" if _codec is not zlib else "zlib"


class DamagedMember(Exception):
    """A member that cannot be read as the directory describes it (the zip's check names the zip)."""


BLOCK = 256 * 1024
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # a zip's local file header (as zipfile reads it)


def data_start(fp: IO[bytes], info: zipfile.ZipInfo) -> int | None:
    """Where *info*'s compressed bytes begin, after a local header that agrees with the directory."""
    fp.seek(info.header_offset)
    header = fp.read(_LOCAL.size)
    if len(header) != _LOCAL.size:
        return None
    fields = _LOCAL.unpack(header)
    if fields[0] != b"PK\x03\x04":
        return None
    name = fp.read(fields[10])
    if name.decode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace") != info.filename:
        return None
    return int(info.header_offset + _LOCAL.size + fields[10] + fields[11])


class MemberReader:
    """``read(size)`` over the inflated text of one member of *archive*."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        assert archive.fp is not None
        self._fp: IO[bytes] = archive.fp
        self._info = info
        if info.flag_bits & 1:
            raise DamagedMember(f"Entry {info.filename} is encrypted.")
        start = data_start(self._fp, info)
        if start is None:
            raise DamagedMember(f"Entry {info.filename}: its local header disagrees with the directory.")
        self._pos = start
        self._left = info.compress_size  # compressed bytes not yet read
        self._inflater: Any = (
            _codec.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        )
        self._crc = 0
        self._out = 0
        self._done = False
        self._spill = b""  # inflated beyond what a read asked for (ISA-L may overshoot max_length)

    def __enter__(self) -> MemberReader:
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        return None

    def _raw(self, size: int) -> bytes:
        if self._left <= 0:
            return b""
        self._fp.seek(self._pos)
        data = self._fp.read(min(size, self._left))
        if not data:
            raise DamagedMember(f"Entry {self._info.filename} is truncated.")
        self._pos += len(data)
        self._left -= len(data)
        return data

    def read(self, size: int = -1) -> bytes:
        if self._done:
            return b""
        want = BLOCK if size < 0 else max(1, size)
        if self._spill:
            data, self._spill = self._spill[:want], self._spill[want:]
            return data
        if self._inflater is None:  # stored
            data = self._raw(want)
        else:
            while True:
                source = self._inflater.unconsumed_tail or self._raw(BLOCK)
                if not source:
                    data = self._inflater.flush()
                    break
                try:
                    data = self._inflater.decompress(source, want)
                except _codec.error:
                    raise DamagedMember(
                        f"Entry {self._info.filename} is damaged (bad deflate data)."
                    ) from None
                if data or self._inflater.eof:
                    break
        if data:
            self._crc = _codec.crc32(data, self._crc)
            self._out += len(data)
            if len(data) > want:
                data, self._spill = data[:want], data[want:]
            return data
        self._finish()
        return b""

    def _finish(self) -> None:
        self._done = True
        name = self._info.filename
        if self._out != self._info.file_size:
            raise DamagedMember(
                f"Entry {name} holds {self._out:,} bytes, not the {self._info.file_size:,} it declares."
            )
        if self._crc != self._info.CRC:
            raise DamagedMember(f"Entry {name} is damaged (its CRC-32 does not match).")


AHEAD = 4 * 1024 * 1024  # members larger than this are inflated ahead (see Prefetching)


def open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> MemberReader | Prefetching | IO[bytes]:
    """The member's text: deflated or stored members through :class:`MemberReader` (inflated ahead
    on another thread when larger than ``AHEAD``), anything else (bzip2, lzma) through zipfile."""
    if info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > AHEAD:
        return Prefetching(MemberReader(archive, info))
    if info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        return MemberReader(archive, info)
    return archive.open(info)


class Prefetching:
    """``read(size)`` over a :class:`MemberReader` inflated ahead on its own thread: the inflate (in
    C, without the GIL) of the next blocks runs while the caller parses this one, on another core.

    At most ``DEPTH`` blocks wait; an error of the inflate is raised by the read that meets it;
    ``close()`` (or leaving the ``with``) stops the thread however far the caller read."""

    DEPTH = 4

    def __init__(self, reader: MemberReader) -> None:
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(self.DEPTH)
        self._stop = threading.Event()
        self._buffer = b""
        self._ended = False
        self._thread = threading.Thread(target=self._fill, args=(reader,), name="inflate ahead", daemon=True)
        self._thread.start()

    def _fill(self, reader: MemberReader) -> None:
        item: bytes | BaseException
        while not self._stop.is_set():
            try:
                item = reader.read(BLOCK)
            except BaseException as exc:  # handed to the reading thread
                item = exc
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if not isinstance(item, bytes) or not item:
                return

    def read(self, size: int = -1) -> bytes:
        want = BLOCK if size < 0 else max(1, size)
        while not self._buffer and not self._ended:
            item = self._queue.get()
            if isinstance(item, BaseException):
                self._ended = True
                raise item
            if not item:
                self._ended = True
            self._buffer = item
        data, self._buffer = self._buffer[:want], self._buffer[want:]
        return data

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> Prefetching:
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()
