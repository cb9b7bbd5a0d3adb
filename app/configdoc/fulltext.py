"""The full texts of long cells a diff names, read back from the zips for a plan a person reads.

Rows keep a text over ``BIG`` characters as its length and sha256 (memory stays flat on a large
app), so a changed action's code would show as a digest. For a read-only plan the texts of the
changed cells are read back from the archived zips — each document streamed twice, only when some
change holds a digest — up to a budget: a cell up to ``CELL`` characters, ``TOTAL`` in all. Past the
budget a cell stays a digest, which the plan shows as its length and hash.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from pathlib import Path

from app.configdoc.diff import ConfigDiff, RowChange
from app.configdoc.rewrite import read_cells_from
from app.configdoc.xmlstream import is_digest

CELL = 256 * 1024
TOTAL = 8 * 1024 * 1024
_LENGTH = re.compile(r"«([\d,]+) characters")

Wanted = set[tuple[str, int, str]]


def _length(text: str) -> int:
    found = _LENGTH.match(text)
    return int(found.group(1).replace(",", "")) if found else CELL + 1


def fill_texts(diff: ConfigDiff, old_zip: Path, new_zip: Path) -> int:
    """Replace the digests in *diff*'s changed cells by their texts, within the budget; return how
    many cells stay digests."""
    wanted: tuple[Wanted, Wanted] = (set(), set())
    budget, left_out = TOTAL, 0
    for change in diff.changes:
        for column, pair in change.columns.items():
            for side in (0, 1):
                text, at = pair[side], change.at[side]
                if text is None or at is None or not is_digest(text):
                    continue
                size = _length(text)
                if size > CELL or size > budget:
                    left_out += 1
                    continue
                budget -= size
                wanted[side].add((change.table, at, column))
    if not wanted[0] and not wanted[1]:
        return left_out
    found = (_read(old_zip, wanted[0]), _read(new_zip, wanted[1]))
    for i, change in enumerate(diff.changes):
        columns = {
            column: (_text(found[0], change, 0, column, pair[0]), _text(found[1], change, 1, column, pair[1]))
            for column, pair in change.columns.items()
        }
        if columns != change.columns:
            diff.changes[i] = replace(change, columns=columns)
    return left_out


def _text(
    found: dict[tuple[str, int, str], str], change: RowChange, side: int, column: str, text: str | None
) -> str | None:
    at = change.at[side]
    return text if at is None else found.get((change.table, at, column), text)


def _read(path: Path, wanted: Wanted) -> dict[tuple[str, int, str], str]:
    if not wanted:
        return {}
    with zipfile.ZipFile(path) as archive:
        name = archive.namelist()[0]  # the app document (the diff compares its rows)
        return read_cells_from(lambda: archive.open(name), wanted)
