"""Read the two DataSet documents of a configuration zip into tables of rows, safely and streaming."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from defusedxml.ElementTree import iterparse

from app.configdoc.zipcheck import local_name

Row = dict[str, str]


@dataclass
class DataSet:
    root: str
    tables: dict[str, list[Row]] = field(default_factory=dict)


def read_dataset(stream: IO[bytes]) -> DataSet:
    """Rows of each table; the inline ``xs:schema`` is skipped."""
    data = DataSet(root="")
    depth = 0
    in_schema = False
    for event, elem in iterparse(
        stream, events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
    ):
        tag = local_name(elem.tag)
        if event == "start":
            depth += 1
            if depth == 1:
                data.root = tag
            elif depth == 2 and tag == "schema":
                in_schema = True
            continue
        depth -= 1
        if depth == 1:
            if in_schema:
                in_schema = False
            else:
                row = {local_name(child.tag): (child.text or "") for child in elem}
                data.tables.setdefault(tag, []).append(row)
            elem.clear()
    return data


@dataclass
class ConfigDocs:
    app: DataSet
    map: DataSet


def read_config_zip(path: Path) -> ConfigDocs:
    """Both documents of a (checked) configuration zip."""
    with zipfile.ZipFile(path) as archive:
        first, second = archive.namelist()[:2]
        with archive.open(first) as handle:
            app = read_dataset(handle)
        with archive.open(second) as handle:
            mapping = read_dataset(handle)
    return ConfigDocs(app, mapping)
