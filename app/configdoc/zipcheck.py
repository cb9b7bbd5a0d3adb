"""Check a configuration zip before it is sent to a server or kept in the archive.

A Backand configuration zip has exactly two entries, the app document first:
``duradosappsys<appId>`` (root ``NewDataSet``) and ``duradosappsys<appId>xml`` (root ``MapDataSet``).
The check refuses anything else with a message naming the problem: not a zip, truncated, unsafe entry
names, entries missing, reversed or extra, a zip bomb, XML that is not well formed, uses entities or
a DTD, or is not a DataSet.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from app.configdoc.inflate import DamagedMember, MemberReader, Prefetching, open_member
from app.configdoc.known import recognise
from app.configdoc.xmlstream import ConfigDocs, DataSet, Row, parse_rows
from app.errors import InvalidConfigZip
from app.plural import count

APP_ENTRY = re.compile(r"^duradosappsys(\d+)$")
MAX_UNCOMPRESSED = 400 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024  # small entries may compress very well; only larger ones are ratio-checked


@dataclass(frozen=True)
class ConfigZipInfo:
    """What the check learnt about a valid configuration zip."""

    app_entry: str
    map_entry: str
    app_id: str
    config_version: str | None
    uncompressed_size: int
    docs: ConfigDocs | None = field(default=None, compare=False, repr=False)  # with collect=True
    same_as_known: bool = field(default=False, compare=False)  # its documents are the known zip's


class _Limited:
    """A read-only stream that refuses to yield more than *limit* bytes (a lying zip header)."""

    def __init__(self, raw: IO[bytes] | MemberReader | Prefetching, limit: int, name: str) -> None:
        self.raw = raw
        self.left = limit
        self.name = name
        self.first = True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size if size >= 0 else self.left + 1)
        if self.first:
            self.first = False
            check_encoding(data[:256], self.name)
        self.left -= len(data)
        if self.left < 0:
            raise InvalidConfigZip(
                f"Entry {self.name} holds more than the size its zip declares: the zip is damaged, "
                "or built to expand (a zip bomb)."
            )
        return data


SHOWN = 5  # a refusal names this many of a zip's entries (one of 20,000 entries named them all)


def _short(entry: str) -> str:
    return entry if len(entry) <= 60 else entry[:57] + "…"


XML_ENCODING = re.compile(rb"""^<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def check_encoding(head: bytes, entry: str) -> None:
    """Backand's documents are UTF-8: refuse UTF-16/32 (a BOM or NUL bytes) or any other declared
    encoding before anything is sent or archived (the reader would refuse it later anyway)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
        raise InvalidConfigZip(f"Entry {entry} is UTF-16 or UTF-32 text; Backand documents are UTF-8.")
    declared = XML_ENCODING.match(head.removeprefix(b"\xef\xbb\xbf"))
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        raise InvalidConfigZip(
            f"Entry {entry} declares the encoding {declared.group(1).decode()}; Backand documents are UTF-8."
        )


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def scan_dataset(
    stream: IO[bytes] | _Limited, entry: str, root_name: str, collect: DataSet | None = None
) -> str | None:
    """Parse one entry safely and in chunks; check its root; return its ``ConfigVersion`` if any.
    With *collect*, its rows are kept there too (one parse serves the check and the diff)."""
    found: list[str] = []

    def on_row(table: str, row: Row) -> None:
        if table == "Database" and not found and row.get("ConfigVersion"):
            found.append(row["ConfigVersion"].strip())
        if collect is not None:
            collect.tables.setdefault(table, []).append(row)

    root = parse_rows(stream, entry, on_row)
    if collect is not None:
        collect.root = root
    if root != root_name:
        raise InvalidConfigZip(f"Entry {entry} is not a {root_name} document (its root is <{root}>).")
    return found[0] if found else None


def check_config_zip(
    path: Path,
    *,
    max_uncompressed: int = MAX_UNCOMPRESSED,
    collect: bool = False,
    known: tuple[Path, str | None] | None = None,
) -> ConfigZipInfo:
    """Check *path*; return what was learnt, or raise :class:`InvalidConfigZip` naming the problem.

    *known* is a zip that passed this check (its path and ``ConfigVersion``), such as the zip just
    uploaded when the download is the verify's. When both documents of *path* are stored as the
    very same compressed bytes (same method, CRC-32 and sizes, and equal bytes compared one by one),
    their text is the known zip's, so the parse is not repeated: the result says
    ``same_as_known`` and carries no documents."""
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidConfigZip(f"Cannot read {path}: {exc.strerror}.") from None
    if size == 0:
        raise InvalidConfigZip(f"{name} is empty (0 bytes), not a configuration zip.")
    if not zipfile.is_zipfile(path):
        raise InvalidConfigZip(f"{name} is not a zip file (or it is truncated).")
    try:
        with zipfile.ZipFile(path) as archive:
            return _check_open(archive, name, max_uncompressed, collect, known)
    except zipfile.BadZipFile as exc:
        raise InvalidConfigZip(f"{name} is a damaged zip ({exc}).") from None
    except (EOFError, OSError, zlib.error) as exc:
        raise InvalidConfigZip(f"{name} is truncated or unreadable ({exc}).") from None
    except DamagedMember as exc:
        raise InvalidConfigZip(f"{name} is a damaged zip: {exc}") from None


def _check_open(
    archive: zipfile.ZipFile,
    name: str,
    max_uncompressed: int,
    collect: bool,
    known: tuple[Path, str | None] | None = None,
) -> ConfigZipInfo:
    infos = archive.infolist()
    for info in infos:
        entry = info.filename
        if entry.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", entry):
            raise InvalidConfigZip(f"{name} has an entry with an absolute path: {entry!r}.")
        if ".." in re.split(r"[\\/]", entry):
            raise InvalidConfigZip(f"{name} has an entry that climbs out of its folder: {entry!r}.")
        if "/" in entry or "\\" in entry:
            raise InvalidConfigZip(f"{name} has an entry inside a folder ({entry!r}); expected two files.")
    names = [info.filename for info in infos]
    if len(names) != 2:
        shown = ", ".join(_short(n) for n in names[:SHOWN]) or "none"
        more = f" and {len(names) - SHOWN:,} more" if len(names) > SHOWN else ""
        raise InvalidConfigZip(
            f"{name} has {count(len(names), 'entry')} ({shown}{more}); a Backand "
            "configuration has exactly two: duradosappsys<id> and duradosappsys<id>xml."
        )
    first, second = names
    match = APP_ENTRY.match(first)
    if not match:
        if APP_ENTRY.match(second) and first == second + "xml":
            raise InvalidConfigZip(
                f"{name} has its entries reversed ({first} before {second}); the app document must "
                "come first or the import corrupts the app."
            )
        raise InvalidConfigZip(f"{name}: the first entry {first!r} is not duradosappsys<id>.")
    if second != first + "xml":
        raise InvalidConfigZip(f"{name}: the second entry is {second!r}, expected {first}xml.")
    total = sum(info.file_size for info in infos)
    if total > max_uncompressed:
        raise InvalidConfigZip(
            f"{name} expands to {total:,} bytes, over the limit of {max_uncompressed:,} bytes."
        )
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.compress_size > 0:
            ratio = info.file_size / info.compress_size
            if ratio > MAX_RATIO:
                raise InvalidConfigZip(
                    f"{name}: entry {info.filename} expands {ratio:,.0f} times "
                    f"(limit {MAX_RATIO}); refusing a possible zip bomb."
                )
    if known is not None:
        same, version = recognise(archive, known[0])
        if same:
            app_id, found = match.group(1), version or known[1]
            return ConfigZipInfo(first, second, app_id, found, total, same_as_known=True)
    docs = ConfigDocs(DataSet(""), DataSet("")) if collect else None
    with open_member(archive, infos[0]) as raw:
        limited = _Limited(raw, infos[0].file_size, first)
        version = scan_dataset(limited, first, "NewDataSet", docs.app if docs else None)
    with open_member(archive, infos[1]) as raw:
        scan_dataset(
            _Limited(raw, infos[1].file_size, second), second, "MapDataSet", docs.map if docs else None
        )
    return ConfigZipInfo(first, second, match.group(1), version, total, docs)
