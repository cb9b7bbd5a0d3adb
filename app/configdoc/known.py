"""Recognise a downloaded zip as one that already passed the check (the zip just uploaded, when the
verify downloads what the target now holds), so it need not be parsed again.

Two ways, the cheap one first, with the known zip opened once:

- the same compressed bytes in both members (names aside: a server names them after its own app).
  Deflate is a pure function of its input, so equal compressed bytes are equal documents; the bytes
  are compared, not only the CRCs;
- the same text but for what an import rewrites (the diff ignores both): the app id in upload paths
  and the ``ConfigVersion``. Each member is inflated once (CRC-32 and size checked) and hashed with
  those values blanked. Only values without markup are matched, so two texts equal but for these
  are equally well-formed.

The known zip's digests can be taken ahead (:func:`take_text_ahead`, while the upload of that zip
waits on the server) and are then kept in this process for that very file (path, size, mtime and
inode), so the verify hashes only what it downloaded.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import zipfile
from pathlib import Path
from typing import IO

from app.configdoc.inflate import DamagedMember, MemberReader, data_start

UPLOAD_PATH = re.compile(rb"/Uploads/[A-Za-z0-9_.\-]*/")
VERSION_ELEMENT = re.compile(rb"<ConfigVersion>([^<&\n]*)</ConfigVersion>")


def recognise(archive: zipfile.ZipFile, known: Path) -> tuple[bool, str | None]:
    """Whether *archive*'s documents are *known*'s, in either way above; and, when it was told by the
    text, the ``ConfigVersion`` *archive* holds (None when the bytes are the same)."""
    try:
        with zipfile.ZipFile(known) as theirs:
            pairs = list(zip(archive.infolist(), theirs.infolist(), strict=False))
            if len(pairs) != len(archive.infolist()) or len(pairs) != len(theirs.infolist()):
                return False, None
            if any(mine.flag_bits & 1 for mine, _ in pairs):
                return False, None
            assert archive.fp is not None and theirs.fp is not None
            if all(_same_bytes(archive.fp, mine, theirs.fp, their) for mine, their in pairs):
                return True, None
            version: str | None = None
            for mine, their in pairs:
                mine_digest, found = _blanked_digest(archive, mine)
                if mine_digest != _known_digest(known, theirs, their):
                    return False, None
                version = version or found
            return True, version
    except (OSError, zipfile.BadZipFile, DamagedMember):
        return False, None


def _same_bytes(fp_a: IO[bytes], a: zipfile.ZipInfo, fp_b: IO[bytes], b: zipfile.ZipInfo) -> bool:
    if (a.compress_type, a.CRC, a.compress_size, a.file_size) != (
        b.compress_type,
        b.CRC,
        b.compress_size,
        b.file_size,
    ):
        return False
    start_a, start_b = data_start(fp_a, a), data_start(fp_b, b)
    if start_a is None or start_b is None:
        return False
    left = a.compress_size
    while left > 0:
        step = min(left, 1 << 20)
        fp_a.seek(start_a)
        block_a = fp_a.read(step)
        fp_b.seek(start_b)
        if len(block_a) != step or block_a != fp_b.read(step):
            return False
        start_a, start_b, left = start_a + step, start_b + step, left - step
    return True


_Key = tuple[str, int, int, int, str, int]
_taken: dict[_Key, str] = {}  # the blanked digests of known zips' members, taken ahead
_taken_lock = threading.Lock()
KEEP = 8


def _key(path: Path, info: zipfile.ZipInfo) -> _Key:
    seen = os.stat(path)
    return (os.path.realpath(path), seen.st_size, seen.st_mtime_ns, seen.st_ino, info.filename, info.CRC)


def take_text_ahead(path: Path) -> None:
    """Take the blanked digests of *path*'s members now and keep them (for the verify that will
    compare a download with it). Any problem is left for that comparison to meet."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.flag_bits & 1:
                    return
                key = _key(path, info)
                digest = _blanked_digest(archive, info)[0]
                with _taken_lock:
                    _taken[key] = digest
                    while len(_taken) > KEEP:
                        del _taken[next(iter(_taken))]
    except (OSError, zipfile.BadZipFile, DamagedMember):
        return


def _known_digest(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """The blanked digest of the known zip's member: taken ahead for this very file, or now."""
    with _taken_lock:
        taken = _taken.get(_key(path, info))
    return taken if taken is not None else _blanked_digest(archive, info)[0]


def _blanked_digest(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, str | None]:
    """The sha256 of the member's text with the rewritten values blanked, and its ConfigVersion.
    The text is cut at line ends (neither pattern spans one); a line over 1 MiB is cut where it
    ends up, which can only make two equal texts look different (then they are parsed)."""
    digest = hashlib.sha256()
    version: str | None = None
    carry = b""
    # inflated inline: measured as fast as inflating ahead here (the regex and the hash are the work),
    # without the 1 MiB of blocks queued ahead at the peak of a promotion's memory
    plain = info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED)
    with MemberReader(archive, info) if plain else archive.open(info) as reader:
        while True:
            chunk = reader.read(256 * 1024)
            data = carry + chunk
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            if chunk and cut == 0:  # no line end yet: keep reading, up to 1 MiB of one line
                if len(data) < (1 << 20):
                    carry = data
                    continue
                cut = len(data)
            part, carry = data[:cut], data[cut:]
            if version is None and (found := VERSION_ELEMENT.search(part)):
                version = found.group(1).decode("utf-8", "replace").strip()
            digest.update(
                VERSION_ELEMENT.sub(b"<ConfigVersion></ConfigVersion>", UPLOAD_PATH.sub(b"/Uploads//", part))
            )
            if not chunk:
                return digest.hexdigest(), version
