"""Read the two DataSet documents of a configuration zip into tables of rows, safely and streaming."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import IO

from app.configdoc.xmlstream import BIG, SHARED, ConfigDocs, DataSet, Row, digest, parse_rows
from app.configdoc.zipcheck import local_name
from app.errors import InvalidConfigZip

SMALL = 2 * 1024 * 1024


def read_dataset(stream: IO[bytes], size: int | None = None) -> DataSet:
    """Rows of each table; the inline ``xs:schema`` is skipped.

    A document up to 2 MiB is parsed whole by expat's C tree builder (fast: the real 1.2 MB document
    in about 40 ms), after a byte scan refuses any DTD (the only place entities can be declared) and
    any encoding but UTF-8. A larger one is streamed by :mod:`app.configdoc.xmlstream`, which keeps
    long texts as their length and sha256, so memory does not grow with the document.
    """
    if size is not None and size > SMALL:
        data = DataSet(root="")
        data.root = parse_rows(
            stream, "document", lambda table, row: data.tables.setdefault(table, []).append(row)
        )
        return data
    raw = stream.read()
    head = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    if not head.lstrip().startswith(b"<"):
        raise InvalidConfigZip("A configuration document is not UTF-8 XML.")
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise InvalidConfigZip("A configuration document declares a DTD or entities, which are refused.")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise InvalidConfigZip(f"A configuration document is not well-formed XML ({exc}).") from None
    del raw
    data = DataSet(root=local_name(root.tag))
    shared: dict[str, str] = {}
    layouts: dict[tuple[str, ...], dict[str, int]] = {}
    namespaced = root.tag.startswith("{")
    for elem in root:
        tag = local_name(elem.tag)
        if tag == "schema":
            continue
        if namespaced:
            row = {local_name(child.tag): (child.text or "") for child in elem}
        else:  # the app document has no namespace: skip the per-cell name split
            row = {child.tag: (child.text or "") for child in elem}
        for column, text in row.items():  # as the streaming reader keeps them: one form per text
            if len(text) > BIG:
                row[column] = digest(text)
            elif len(text) <= SHARED:
                row[column] = shared.setdefault(text, text)
        data.tables.setdefault(tag, []).append(Row.of(row, layouts))
    return data


def read_config_zip(path: Path) -> ConfigDocs:
    """Both documents of a (checked) configuration zip."""
    with zipfile.ZipFile(path) as archive:
        first, second = archive.namelist()[:2]
        sizes = {info.filename: info.file_size for info in archive.infolist()}
        with archive.open(first) as handle:
            app = read_dataset(handle, sizes[first])
        with archive.open(second) as handle:
            mapping = read_dataset(handle, sizes[second])
    return ConfigDocs(app, mapping)


__all__ = ["ConfigDocs", "DataSet", "Row", "read_config_zip", "read_dataset"]
