"""Rewrite a configuration zip in place of a few cells and rows, leaving every other byte untouched.

A promotion shaped by rules or exclusions sends the source's configuration with some cells set,
some rows removed and some rows added. The documents are not re-serialised: one pass records where
the affected elements are (expat's byte offsets), a second copies the document through, replacing
only those spans. Both passes stream, so memory holds one cell at a time, never a document.

Rows are addressed as the reader numbers them: ``(table, ordinal)``, the ordinal counting that
table's rows in document order (see :mod:`app.configdoc.dataset`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.parsers import expat

from app.configdoc.xmlstream import CHUNK
from app.errors import InvalidConfigZip
from app.fsutil import atomic_writer

RowId = tuple[str, int]


Subn = Callable[[str, str, str, str], tuple[str, int]]  # find, with, text, where -> text, count


@dataclass(frozen=True)
class Replace:
    """Replace *find* with *with_* in the cell's text (plain text, or a regular expression, which
    *regex_subn* runs: where it can be stopped, see :mod:`app.shaping.regexrun`)."""

    find: str
    with_: str
    regex: bool = False
    regex_subn: Subn | None = field(default=None, compare=False, repr=False)
    by: str = ""  # the rule, for a message

    def apply(self, text: str) -> tuple[str, int]:
        if not self.regex:
            return text.replace(self.find, self.with_), text.count(self.find)
        if self.regex_subn is None:
            raise ValueError("a regex replacement needs where to run it")
        return self.regex_subn(self.find, self.with_, text, self.by or "A replace rule")


@dataclass(frozen=True)
class FromOther:
    """The text of a cell of the other zip (the target's), read there when it is too long to hold
    in the parsed rows."""

    table: str
    ordinal: int
    column: str


Value = str | Replace | FromOther | None  # None: remove the cell


@dataclass
class DocEdits:
    """What changes in one document."""

    cells: dict[RowId, dict[str, Value]] = field(default_factory=dict)
    removed: set[RowId] = field(default_factory=set)
    added: dict[str, list[dict[str, Value]]] = field(default_factory=dict)  # table -> new rows

    @property
    def empty(self) -> bool:
        return not (self.cells or self.removed or self.added)

    def set_cell(self, row: RowId, column: str, value: Value) -> None:
        self.cells.setdefault(row, {})[column] = value


@dataclass
class _RowSpan:
    start: int
    end: int = -1  # where its end tag starts
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)  # column -> (start, end mark)


@dataclass
class _Spans:
    rows: dict[RowId, _RowSpan] = field(default_factory=dict)
    last_row_end: dict[str, int] = field(default_factory=dict)  # table -> end mark of its last row
    root_end: int = -1


def _scan(stream: IO[bytes], wanted: set[RowId]) -> _Spans:
    """Pass one: byte offsets of the wanted rows and their cells, each table's last row, the root's
    end tag. An end "mark" is where expat reports the end: the start of ``</x>``, or just past an
    empty ``<x/>``; :class:`_Copier` tells them apart when it gets there."""
    parser = expat.ParserCreate()
    spans = _Spans()
    depth = [0]
    counts: dict[str, int] = {}
    current: list[_RowSpan | None] = [None]
    cell: list[tuple[str, int]] = []
    table = [""]

    def start(name: str, _attrs: object) -> None:
        depth[0] += 1
        local = name.rsplit(":", 1)[-1]
        if depth[0] == 2 and local != "schema":
            ordinal = counts.get(local, 0)
            counts[local] = ordinal + 1
            table[0] = local
            row = _RowSpan(parser.CurrentByteIndex) if (local, ordinal) in wanted else None
            if row is not None:
                spans.rows[(local, ordinal)] = row
            current[0] = row
        elif depth[0] == 3 and current[0] is not None:
            cell[:] = [(local, parser.CurrentByteIndex)]

    def end(name: str) -> None:
        if depth[0] == 3 and current[0] is not None and cell:
            local, begin = cell[0]
            current[0].cells[local] = (begin, parser.CurrentByteIndex)
        elif depth[0] == 2 and table[0]:
            spans.last_row_end[table[0]] = parser.CurrentByteIndex
            if current[0] is not None:
                current[0].end = parser.CurrentByteIndex
            current[0], table[0] = None, ""
        elif depth[0] == 1:
            spans.root_end = parser.CurrentByteIndex
        depth[0] -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        while data := stream.read(CHUNK):
            parser.Parse(data, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise InvalidConfigZip(f"A configuration document is not well-formed XML ({exc}).") from None
    return spans


class _Copier:
    """Pass two: copy the document through to *out*, with look-ahead where a span's end is resolved."""

    def __init__(self, source: IO[bytes], out: IO[bytes] | _Discard) -> None:
        self.source, self.out = source, out
        self.pos = 0  # offset of buf[0] in the document
        self.buf = b""
        self.tail = b""  # the last bytes written (for the indentation of an inserted cell)

    def _fill(self, upto: int) -> None:
        while self.pos + len(self.buf) < upto:
            data = self.source.read(CHUNK)
            if not data:
                break
            self.buf += data

    def copy_to(self, offset: int) -> None:
        while self.pos < offset:
            self._fill(min(offset, self.pos + CHUNK))
            if not self.buf:
                break
            take = self.buf[: offset - self.pos]
            self.write(take)
            self.buf = self.buf[len(take) :]
            self.pos += len(take)

    def take_to(self, offset: int) -> bytes:
        """Consume and return the bytes up to *offset* (one element: small, or one long cell)."""
        self._fill(offset)
        got, self.buf = self.buf[: offset - self.pos], self.buf[offset - self.pos :]
        self.pos += len(got)
        return got

    def element_end(self, mark: int) -> int:
        """The offset just past an element whose end mark is *mark*."""
        if mark < self.pos:  # already consumed (the row was removed)
            return self.pos
        self._fill(mark + 2)
        at = mark - self.pos
        if self.buf[at : at + 2] != b"</":
            return mark  # an empty element: the mark is already past it
        while (close := self.buf.find(b">", at)) < 0:
            before = len(self.buf)
            self._fill(self.pos + before + CHUNK)
            if len(self.buf) == before:
                raise InvalidConfigZip("A configuration document ends inside an end tag.")
        return self.pos + close + 1

    def skip_space(self) -> None:
        self._fill(self.pos + 256)
        stripped = self.buf.lstrip(b" \t\r\n")
        self.pos += len(self.buf) - len(stripped)
        self.buf = stripped

    def write(self, data: bytes) -> None:
        if data:
            self.out.write(data)
            self.tail = (self.tail + data)[-256:]

    def indent(self) -> bytes:
        """The whitespace that ends what was written (the indentation before an end tag)."""
        return self.tail[len(self.tail.rstrip(b" \t\r\n")) :]

    def rest(self) -> None:
        self.write(self.buf)
        while data := self.source.read(CHUNK):
            self.write(data)


def escape(text: str) -> bytes:
    out = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#xD;")
    return out.encode("utf-8")


def element_text(raw: bytes) -> str:
    """The text of one element, from its bytes (entities, character references and CDATA resolved)."""
    inner = raw[raw.index(b">") + 1 :] if not raw.rstrip().endswith(b"/>") else b""
    inner = inner[: inner.rfind(b"</")] if inner else b""
    parser = expat.ParserCreate()
    chunks: list[str] = []
    parser.CharacterDataHandler = chunks.append
    parser.Parse(b"<x>" + inner + b"</x>", True)
    return "".join(chunks)


Resolve = Callable[[FromOther], str]
Counts = dict[tuple[RowId, str], int]


def _render(column: str, value: Value, original: str | None, resolve: Resolve) -> tuple[bytes, int]:
    """The bytes of one cell; and how many replacements were made."""
    if isinstance(value, Replace):
        text, count = value.apply(original or "")
        count = count if text != original else 0  # found, but the text is already what it becomes
    elif isinstance(value, FromOther):
        text, count = resolve(value), 0
    else:
        text, count = value or "", 0
    tag = column.encode()
    return b"<" + tag + b">" + escape(text) + b"</" + tag + b">", count


def _row_xml(table: str, cells: dict[str, Value], resolve: Resolve) -> bytes:
    parts = [b"\n  <", table.encode(), b">"]
    for column, value in cells.items():
        if value is not None:
            parts += [b"\n    ", _render(column, value, None, resolve)[0]]
    parts += [b"\n  </", table.encode(), b">"]
    return b"".join(parts)


def rewrite_document(
    source: IO[bytes], again: Callable[[], IO[bytes]], out: IO[bytes], edits: DocEdits, resolve: Resolve
) -> Counts:
    """Copy one document from *source* to *out* with *edits*; *again* reopens it for pass two."""
    wanted = set(edits.cells) | edits.removed
    spans = _scan(source, wanted)
    missing = wanted - set(spans.rows)
    if missing:
        raise InvalidConfigZip(f"Rows to change are not in the document: {sorted(missing)[:3]}.")
    actions: list[_Action] = []
    for row_id, span in spans.rows.items():
        if row_id in edits.removed:
            actions.append(_Action(span.start, 0, "remove-row", row_id, span=(span.start, span.end)))
            continue
        for column, value in edits.cells.get(row_id, {}).items():
            if column in span.cells:
                actions.append(
                    _Action(span.cells[column][0], 0, "cell", row_id, column, value, span.cells[column])
                )
            elif value is not None:
                if not span.cells:  # an empty <Row/>: DataSet rows always hold their ID
                    raise InvalidConfigZip(f"Row {row_id[0]} #{row_id[1] + 1} is empty; cannot add {column}.")
                actions.append(_Action(span.end, len(actions), "add-cell", row_id, column, value))
    for table, rows in edits.added.items():
        at = spans.last_row_end.get(table)
        kind = "add-rows" if at is not None else "add-rows-end"
        offset = at if at is not None else spans.root_end
        actions.append(_Action(offset, 10_000 + len(actions), kind, (table, -1), rows=rows))
    actions.sort(key=lambda a: (a.offset, a.order))  # at one offset, in the order they were listed
    counts: Counts = {}
    with again() as stream:
        copier = _Copier(stream, out)
        for action in actions:
            _apply(copier, action, resolve, counts)
        copier.rest()
    return counts


@dataclass
class _Action:
    offset: int
    order: int
    kind: str  # remove-row, cell, add-cell, add-rows, add-rows-end
    row: RowId
    column: str = ""
    value: Value = None
    span: tuple[int, int] = (0, 0)  # start and end mark of the row or cell
    rows: list[dict[str, Value]] = field(default_factory=list)


def _apply(copier: _Copier, action: _Action, resolve: Resolve, counts: Counts) -> None:
    kind, value, column = action.kind, action.value, action.column
    if kind in ("remove-row", "cell"):
        start, mark = action.span
        copier.copy_to(start)
        raw = copier.take_to(copier.element_end(mark))
        if kind == "remove-row" or value is None:
            copier.skip_space()
            return
        original = element_text(raw) if isinstance(value, Replace) else None
        rendered, count = _render(column, value, original, resolve)
        counts[(action.row, column)] = count
        copier.write(rendered if count or not isinstance(value, Replace) else raw)  # found nothing: untouched
    elif kind == "add-cell":
        copier.copy_to(action.offset)
        copier.write(b"  " + _render(column, value, None, resolve)[0] + copier.indent())
    else:  # add-rows: after the table's last row, or before the root's end tag
        copier.copy_to(copier.element_end(action.offset) if kind == "add-rows" else action.offset)
        body = b"".join(_row_xml(action.row[0], cells, resolve) for cells in action.rows)
        copier.write(body + (b"\n" if kind == "add-rows-end" else b""))


def read_cells_from(
    open_doc: Callable[[], IO[bytes]], wanted: set[tuple[str, int, str]]
) -> dict[tuple[str, int, str], str]:
    """The full text of a few cells of a document; *open_doc* opens it (twice: find, then read)."""
    rows = {(t, o) for t, o, _c in wanted}
    with open_doc() as stream:
        spans = _scan(stream, rows)
    positions = sorted(
        (spans.rows[(t, o)].cells[c], (t, o, c))
        for t, o, c in wanted
        if (t, o) in spans.rows and c in spans.rows[(t, o)].cells
    )
    found = {key: "" for key in wanted}
    sink = _Discard()
    with open_doc() as stream:
        copier = _Copier(stream, sink)
        for (start, mark), key in positions:
            copier.copy_to(start)
            found[key] = element_text(copier.take_to(copier.element_end(mark)))
    return found


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)


def rewrite_zip(
    source: Path,
    dest: Path,
    app_edits: DocEdits,
    map_edits: DocEdits,
    other: Path | None = None,
) -> Counts:
    """Write *dest*: *source* with the edits of its two documents; cells taken ``FromOther`` are read
    from *other* (the app document's first, then the map document's). Written atomically."""
    with zipfile.ZipFile(source) as zin:
        infos = zin.infolist()
        names = [i.filename for i in infos]
        cache: dict[tuple[int, tuple[str, int, str]], str] = {}

        def resolver(index: int, edits: DocEdits) -> Resolve:
            wanted = {(v.table, v.ordinal, v.column) for v in _values(edits) if isinstance(v, FromOther)}
            if wanted and other is not None:
                with zipfile.ZipFile(other) as zother:
                    name = zother.namelist()[index]
                    for key, text in read_cells_from(lambda: zother.open(name), wanted).items():
                        cache[(index, key)] = text
            return lambda ref: cache.get((index, (ref.table, ref.ordinal, ref.column)), "")

        counts: Counts = {}
        with atomic_writer(dest) as raw_out, zipfile.ZipFile(raw_out, "w", zipfile.ZIP_DEFLATED) as zout:
            for index, (info, edits) in enumerate(zip(infos, (app_edits, map_edits), strict=False)):
                target = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                target.compress_type = zipfile.ZIP_DEFLATED
                with zout.open(target, "w") as out:  # documents are capped far below zip64 sizes
                    if edits.empty:
                        with zin.open(info) as stream:
                            while data := stream.read(CHUNK):
                                out.write(data)
                        continue
                    name = names[index]

                    def reopen(entry: str = name) -> IO[bytes]:
                        return zin.open(entry)

                    with zin.open(name) as first:
                        counts.update(rewrite_document(first, reopen, out, edits, resolver(index, edits)))
    return counts


def _values(edits: DocEdits) -> Iterator[Value]:
    for cells in edits.cells.values():
        yield from cells.values()
    for rows in edits.added.values():
        for cells in rows:
            yield from cells.values()
