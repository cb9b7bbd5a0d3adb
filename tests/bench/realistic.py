"""A configuration zip with the structure of a real Backand app, scaled to a size.

The real document (``shared/fixtures/backand-config/app-config.xml``, 1.2 MB) holds one settings row
of 85 columns, objects (``View``, ~115 columns each), about ten fields per object (``Field``, ~80
columns, mostly short repeated values), actions (``Rule``) with server-side code, and small tables
(tooltips, menus, uploads). Parsing it costs ~30 ms/MiB, against ~2 ms/MiB for one huge cell, so a
benchmark on a single random cell hides the per-row cost.

When the shared fixture is present, its rows are the templates: every object is a copy of one of its
views with a new name and id, every field a copy of one of its fields, every action a copy of one of
its actions whose code is replaced by generated JavaScript of a drawn length (many small, some large;
half of it drawn from a fixed vocabulary, half random identifiers, so the zip compresses about 2:1 as
a config full of code does). Without the fixture, the same shapes are made from column lists of the
same widths. Everything is seeded: the same size gives the same bytes.

At 35 MiB: ~500 objects, ~5,200 fields, ~1,800 actions, ~73 MiB of XML (the shape measured in #12).

Usage: python -m tests.bench.realistic DEST.zip MIB
"""

from __future__ import annotations

import random
import string
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

from tests.helpers import MAP_DOC, SHARED_FIXTURES

Row = list[tuple[str, str]]
WORDS = [
    "function",
    "backandCallback",
    "userInput",
    "dbRow",
    "parameters",
    "userProfile",
    "var",
    "return",
    "if",
    "else",
    "for",
    "while",
    "$http",
    "method",
    "url",
    "headers",
    "data",
    "params",
    "response",
    "error",
    "console",
    "log",
    "length",
    "push",
    "map",
    "filter",
    "object",
    "items",
    "orders",
    "customers",
    "invoice",
    "total",
    "amount",
    "status",
    "created",
    "updated",
    "JSON",
    "parse",
    "stringify",
    "true",
    "false",
    "null",
    "undefined",
    "new",
    "Date",
    "toISOString",
    "catch",
    "throw",
    "try",
]


def _templates() -> dict[str, list[Row]]:
    """Rows of the real document by table (the inline schema left out), or made-up rows as wide."""
    source = SHARED_FIXTURES / "app-config.xml"
    if source.exists():
        root = ET.parse(source).getroot()
        out: dict[str, list[Row]] = {}
        for elem in root:
            if elem.tag.endswith("schema"):
                continue
            out.setdefault(elem.tag, []).append([(c.tag, c.text or "") for c in elem])
        return out
    rng = random.Random(1)

    def made(prefix: str, width: int, count: int) -> list[Row]:
        values = ["true", "false", "", "0", "1", "Left", "Default", "Admin,Developer"]
        return [
            [("ID", str(i)), ("Name", f"{prefix}{i}")]
            + [(f"{prefix}Setting{j:03d}", rng.choice(values)) for j in range(width)]
            for i in range(count)
        ]

    rule = [
        [
            ("ID", "1"),
            ("Name", "a"),
            ("DataAction", "OnDemand"),
            ("WorkflowAction", "JavaScript"),
            ("WhereCondition", "true"),
            ("UseSqlParser", "false"),
            ("Code", ""),
            ("Rules", "0"),
        ]
    ]
    return {
        "Database": made("Db", 83, 1),
        "View": made("View", 113, 28),
        "Field": [[*r, ("Fields", "0")] for r in made("Field", 78, 286)],
        "Rule": rule,
        "Tooltip": made("Tip", 3, 33),
        "SpecialMenu": made("Menu", 8, 33),
    }


def _code(rng: random.Random, length: int) -> str:
    parts: list[str] = []
    size = 0
    while size < length:
        if rng.random() < 0.15:
            piece = " ".join(rng.choice(WORDS) for _ in range(8)) + ";\n"
        else:
            piece = "  var " + "".join(rng.choices(string.ascii_letters, k=40)) + " = 0;\n"
        parts.append(piece)
        size += len(piece)
    return "".join(parts)[:length]


def _write_row(out: IO[bytes], table: str, cells: Row) -> None:
    body = "".join(
        f"    <{name}>{escape(value)}</{name}>\n" if value else f"    <{name} />\n" for name, value in cells
    )
    out.write(f"  <{table}>\n{body}  </{table}>\n".encode())


def _set(cells: Row, **values: str) -> Row:
    return [(name, values.get(name, value)) for name, value in cells]


def write_realistic_zip(dest: Path, megabytes: float, seed: int = 7) -> Path:
    """A configuration zip of about *megabytes* MiB shaped as a real app (see the module's text)."""
    rng = random.Random(seed)
    tables = _templates()
    scale = megabytes / 35
    objects = max(2, round(500 * scale))
    fields_per_object = 10.4
    actions = max(2, round(1800 * scale))
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        with archive.open("duradosappsys7", "w", force_zip64=True) as out:
            out.write(b'<?xml version="1.0" standalone="yes"?>\n<NewDataSet>\n')
            _write_row(out, "Database", tables["Database"][0])
            field_id = 1
            for view_id in range(1, objects + 1):
                view = rng.choice(tables["View"])
                name = f"object{view_id:04d}"
                _write_row(
                    out,
                    "View",
                    _set(view, ID=str(view_id), Name=name, DisplayName=name.title(), JsonName=name),
                )
                for n in range(int(fields_per_object + rng.random())):
                    field = rng.choice(tables["Field"])
                    fname = f"field{n:02d}"
                    _write_row(
                        out,
                        "Field",
                        _set(
                            field,
                            ID=str(field_id),
                            Name=fname,
                            DisplayName=fname.title(),
                            JsonName=fname,
                            OriginalFieldName=fname,
                            Fields=str(view_id),
                        ),
                    )
                    field_id += 1
            for table in ("Tooltip", "SpecialMenu", "Upload", "Parameter", "Category", "Workspace"):
                for cells in tables.get(table, []):
                    _write_row(out, table, cells)
            # Code lengths: most actions small, a long tail of large ones (median ~6 KiB, mean ~26 KiB).
            budget = int(megabytes * 1.7 * 1048576)  # most of the XML is code, ~1.5:1
            lengths = [min(int(rng.lognormvariate(8.7, 1.4)), 400_000) for _ in range(actions)]
            factor = budget / max(1, sum(lengths))
            template = tables["Rule"]
            for action_id in range(1, actions + 1):
                rule = rng.choice(template)
                code = _code(rng, max(40, int(lengths[action_id - 1] * factor)))
                _write_row(
                    out,
                    "Rule",
                    _set(
                        rule,
                        ID=str(action_id),
                        Name=f"action {action_id:04d}",
                        Code=code,
                        Rules=str(rng.randint(0, objects)),
                    ),
                )
            out.write(b"</NewDataSet>\n")
        archive.writestr("duradosappsys7xml", MAP_DOC)
    return dest


if __name__ == "__main__":
    target = write_realistic_zip(Path(sys.argv[1]), float(sys.argv[2]))
    with zipfile.ZipFile(target) as z:
        xml = sum(i.file_size for i in z.infolist())
    print(f"{target}: zip {target.stat().st_size / 1048576:.1f} MiB, XML {xml / 1048576:.1f} MiB")
