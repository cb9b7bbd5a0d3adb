"""Rows of a parsed configuration are compact and read like dicts; a structured configuration of
thousands of rows is held in a fraction of its XML (#12: 450 MiB peak on a 73 MiB document)."""

from __future__ import annotations

import zipfile

from app.configdoc.dataset import read_config_zip
from app.configdoc.diff import diff_configs, fingerprint
from app.configdoc.xmlstream import BIG, Row, is_digest
from tests.bench.realistic import write_realistic_zip
from tests.helpers import traced


def test_a_row_reads_as_the_dict_it_was_made_from():
    layouts: dict = {}
    cells = {"ID": "1", "Name": "orders", "Code": ""}
    row = Row.of(cells, layouts)
    assert row == cells and cells == row and dict(row) == cells
    assert row["Name"] == "orders" and row.get("Missing") is None and row.get("Missing", "x") == "x"
    assert "Code" in row and "Other" not in row and len(row) == 3
    assert list(row.items()) == list(cells.items()) and {**row, "Name": "x"}["Name"] == "x"
    other = Row.of({"ID": "2", "Name": "items", "Code": "a"}, layouts)
    assert other._index is row._index  # rows of the same columns share one index
    assert row != other and row != Row.of({"Name": "orders", "ID": "1", "Code": ""})


def test_a_structured_configuration_is_held_compactly(tmp_path):
    path = write_realistic_zip(tmp_path / "realistic.zip", 3)
    with zipfile.ZipFile(path) as archive:
        xml = sum(info.file_size for info in archive.infolist())
    docs, held, _peak = traced(lambda: read_config_zip(path))
    tables = docs.app.tables
    assert len(tables["Field"]) > 400 and len(tables["Rule"]) > 100
    # Texts over BIG are kept as digests; the rows hold a fraction of the XML (measured: ~8%).
    assert any(is_digest(row["Code"]) for row in tables["Rule"])
    assert all(len(v) <= BIG or is_digest(v) for row in tables["Rule"] for v in row.values())
    assert held < xml * 0.35, (held, xml)


def test_the_fingerprint_is_the_diff_s_equality(tmp_path):
    """Equal fingerprints exactly when the diff is empty (the verify compares fingerprints first)."""
    a = read_config_zip(write_realistic_zip(tmp_path / "a.zip", 1, seed=1))
    b = read_config_zip(write_realistic_zip(tmp_path / "b.zip", 1, seed=1))
    c = read_config_zip(write_realistic_zip(tmp_path / "c.zip", 1, seed=2))
    assert fingerprint(a) == fingerprint(b) and diff_configs(a, b).empty
    assert fingerprint(a) != fingerprint(c) and not diff_configs(a, c).empty


def test_the_fingerprint_of_compact_rows_is_that_of_plain_dicts():
    """The fingerprint reads a compact row's values in C; rows made as dicts take the slow path:
    the same content gives the same fingerprint either way."""
    from app.configdoc.xmlstream import ConfigDocs, DataSet

    tables = {
        "View": [{"ID": "4", "Name": "orders", "Title": "Orders"}],
        "Field": [{"ID": "1", "Name": "total", "Fields": "4", "Path": "/Uploads/7/a/"}],
        "Rule": [{"ID": "9", "Name": "check", "Rules": "4", "Code": "return 1;"}],
        "Database": [{"ID": "0", "ConfigVersion": "1.0.1", "Title": "shop"}],
    }
    plain = ConfigDocs(
        DataSet("NewDataSet", {t: list(rows) for t, rows in tables.items()}), DataSet("MapDataSet")
    )
    compact = ConfigDocs(
        DataSet("NewDataSet", {t: [Row.of(r) for r in rows] for t, rows in tables.items()}),
        DataSet("MapDataSet"),
    )
    assert fingerprint(plain) == fingerprint(compact)
    tables["Field"][0]["Path"] = "/Uploads/99/a/"  # an import's app id: not a difference
    tables["Database"][0]["ConfigVersion"] = "1.0.2"
    again = ConfigDocs(
        DataSet("NewDataSet", {t: [Row.of(r) for r in rows] for t, rows in tables.items()}),
        DataSet("MapDataSet"),
    )
    assert fingerprint(again) == fingerprint(compact)
    tables["Field"][0]["Name"] = "sum"
    changed = ConfigDocs(
        DataSet("NewDataSet", {t: [Row.of(r) for r in rows] for t, rows in tables.items()}),
        DataSet("MapDataSet"),
    )
    assert fingerprint(changed) != fingerprint(compact)


class _Feed:
    """A document read from parts made on demand (a cell of many MiB is never one string here)."""

    def __init__(self, parts):
        self._parts = iter(parts)
        self._left = b""

    def read(self, size: int) -> bytes:
        while len(self._left) < size:
            part = next(self._parts, None)
            if part is None:
                break
            self._left += part
        data, self._left = self._left[:size], self._left[size:]
        return data


def test_a_cell_of_many_mib_is_hashed_as_it_streams_not_held():
    from app.configdoc.xmlstream import digest, parse_rows

    piece = "a\u00e9\u4e2d".encode() * 40_000  # 360 KB of 2- and 3-byte characters, cut anywhere by the feeds
    parts = [b"<NewDataSet><Rule><Name>big</Name><Code>"] + [piece] * 60 + [b"</Code></Rule></NewDataSet>"]
    rows: list = []
    _root, _held, peak = traced(lambda: parse_rows(_Feed(parts), "doc", lambda table, row: rows.append(dict(row))))
    assert rows == [{"Name": "big", "Code": digest(piece.decode() * 60)}]
    assert peak < 4 * 1024 * 1024, f"peak {peak:,} bytes for a 21 MB cell"


def test_text_of_an_element_nested_in_a_cell_is_not_the_cells():
    import io

    from app.configdoc.xmlstream import parse_rows

    doc = b"<R><T><A>x<b>n<c>deep</c>m</b>tail</A><B/><C>" + b"q" * (BIG + 1) + b"</C></T> junk <T><A>1</A><A>2</A></T></R>"
    rows: list = []
    assert parse_rows(io.BytesIO(doc), "doc", lambda table, row: rows.append((table, dict(row)))) == "R"
    assert rows[0][1]["A"] == "xtail" and rows[0][1]["B"] == "" and is_digest(rows[0][1]["C"])
    assert rows[1] == ("T", {"A": "2"})  # a repeated column: the last value
