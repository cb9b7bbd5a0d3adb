"""A streaming, guarded reader of DataSet documents (expat, in chunks).

Rows are compact: a cell's text longer than ``BIG`` characters is kept as its length and sha256
(a rewrite or a plan reads the full text back from the zip when it needs it:
:func:`app.configdoc.rewrite.read_cells_from`), column names are interned and short texts are shared
(the fields of a large app repeat the same few values thousands of times). A 78 MiB document of
7,600 rows and 500,000 cells is held in about 7 MiB.

Guards, as defusedxml's ``forbid_dtd``: a document with a DOCTYPE (the only place entities can be
declared) is refused before anything is expanded, so neither entity expansion nor external entities
can happen. Memory stays bounded: the document is read in 64 KiB chunks and a cell's text longer
than ``BIG`` characters is kept as its length and sha256, never as one string — a 35 MiB action
body costs kilobytes, and no single call into C holds the GIL for long.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Iterator, KeysView, Mapping
from dataclasses import dataclass, field
from typing import IO, Any
from xml.parsers import expat

from app.errors import InvalidConfigZip

BIG = 4 * 1024
SHARED = 64  # texts up to this length are shared between cells
CHUNK = 256 * 1024


class Row(Mapping[str, str]):
    """One row's cells, read-only: its values in a tuple and its column names in an index shared by
    every row of the same columns (a field row of 80 cells costs 0.7 KB instead of a dict's 1.5)."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: tuple[str, ...]) -> None:
        self._index = index
        self._values = values

    @classmethod
    def of(
        cls, cells: Mapping[str, str], layouts: dict[tuple[str, ...], dict[str, int]] | None = None
    ) -> Row:
        """A row of *cells* (a dict, whose last value wins for a repeated column); *layouts* shares
        the column index between rows of one document."""
        columns = tuple(cells)
        index = layouts.get(columns) if layouts is not None else None
        if index is None:
            index = {name: i for i, name in enumerate(columns)}
            if layouts is not None:
                layouts[columns] = index
        return cls(index, tuple(cells.values()))

    def __getitem__(self, column: str) -> str:
        return self._values[self._index[column]]

    def get(self, column: str, default: Any = None) -> Any:  # str, or *default*
        i = self._index.get(column)
        return default if i is None else self._values[i]

    def __contains__(self, column: object) -> bool:
        return column in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._values)

    def keys(self) -> KeysView[str]:
        return self._index.keys()

    def items(self) -> Any:  # zip: iterated in C, as a dict's items are
        return zip(self._index, self._values, strict=False)

    def values(self) -> Any:
        return iter(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return self._values == other._values and list(self._index) == list(other._index)
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Row({dict(self.items())!r})"


@dataclass
class DataSet:
    """One DataSet document: its root element's name and the rows of each table."""

    root: str
    tables: dict[str, list[Row]] = field(default_factory=dict)


@dataclass
class ConfigDocs:
    """Both documents of a configuration zip."""

    app: DataSet
    map: DataSet


DIGEST = re.compile(r"«[\d,]+ characters, sha256 [0-9a-f]{64}»")


def digest(text: str) -> str:
    """The stand-in for a cell text over ``BIG`` characters (what the streaming reader keeps)."""
    return f"«{len(text):,} characters, sha256 {hashlib.sha256(text.encode()).hexdigest()}»"


def is_digest(text: str) -> bool:
    """Whether a cell's text is the stand-in for a text too long to keep (see ``BIG``)."""
    return text.startswith("«") and DIGEST.fullmatch(text) is not None


class _Refused(Exception):
    pass


def _refuse(*_args: Any) -> None:
    raise _Refused()


def _refuse_external(*_args: Any) -> int:
    raise _Refused()


def parse_rows(stream: IO[bytes] | Any, entry: str, on_row: Callable[[str, Row], None] | None) -> str:
    """Parse *stream*; call *on_row(table, row)* for each row (the inline schema skipped); return the
    root's local name. Raises :class:`InvalidConfigZip` naming the problem.

    The parse is on the critical path of every plan (a 78 MiB document is half a million cells), so
    its handlers are lean: text goes straight into a list (``list.append``, no Python frame per
    piece), cells are told apart by depth, and a cell's text that grows past ``BIG`` is moved into
    a hash between the 256 KiB feeds, so memory stays bounded whatever a single cell holds. Text of
    elements nested in a cell is not the cell's (a DataSet cell has none)."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 65536
    parser.ordered_attributes = True  # a list per element, cheaper than a dict (attributes are unused)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse_external
    chunks: list[str] = []
    clear, join = chunks.clear, "".join
    shared: dict[str, str] = {}
    share = shared.setdefault
    layouts: dict[tuple[str, ...], dict[str, int]] = {}
    names: dict[str, str] = {}
    depth, root, table, skip = 0, "", "", False
    row: dict[str, str] = {}
    cell: str | None = None
    nested = 0  # where the text of an element nested in the cell begins in *chunks*
    hasher: Any = None  # the open cell's text so far, once it passed BIG
    hashed = 0  # characters in *hasher*

    def local(name: str) -> str:
        found = names.get(name)
        if found is None:
            found = sys.intern(name.rsplit(":", 1)[-1])
            if len(names) < 4096:
                names[name] = found
        return found

    def start(name: str, _attrs: Any) -> None:
        nonlocal depth, root, table, skip, row, cell, nested
        depth += 1
        if depth == 3:
            if not skip:
                cell = names.get(name) or local(name)
                clear()
        elif depth == 2:
            found = local(name)
            if found == "schema":
                skip = True
            else:
                table, row = found, {}
        elif depth == 4 and cell is not None:
            nested = len(chunks)
        elif depth == 1:
            root = local(name)

    def end(_name: str) -> None:
        nonlocal depth, skip, cell, hasher, hashed
        if depth == 3:
            if cell is not None:
                value = join(chunks)
                if hasher is not None:
                    hasher.update(value.encode())
                    value = f"«{hashed + len(value):,} characters, sha256 {hasher.hexdigest()}»"
                    hasher, hashed = None, 0
                elif len(value) > BIG:
                    value = digest(value)
                elif len(value) <= SHARED:
                    value = share(value, value)
                row[cell] = value
                cell = None
        elif depth == 2:
            if skip:
                skip = False
            elif on_row is not None:
                on_row(table, Row.of(row, layouts))
        elif depth == 4 and cell is not None:
            del chunks[nested:]
        depth -= 1

    def bound() -> None:
        """Between feeds: drop text no cell keeps; hash an open cell's text once it passed BIG."""
        nonlocal hasher, hashed
        if cell is None:
            clear()
        elif depth > 3:
            del chunks[nested:]
        elif hasher is not None or sum(map(len, chunks)) > BIG:
            text = join(chunks)
            clear()
            if hasher is None:
                hasher = hashlib.sha256()
            hasher.update(text.encode())
            hashed += len(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chunks.append
    try:
        # Feed 256 KiB at a time (ParseFile would read 2 KiB at a time: thousands of calls into the
        # zip stream for a large document).
        while data := stream.read(CHUNK):
            parser.Parse(data, False)
            bound()
        parser.Parse(b"", True)
    except _Refused:
        raise InvalidConfigZip(f"Entry {entry} uses a DTD or entities, which are refused.") from None
    except expat.ExpatError as exc:
        raise InvalidConfigZip(
            f"Entry {entry} is not well-formed XML ({expat.errors.messages[exc.code]}, line {exc.lineno})."
        ) from None
    return root
