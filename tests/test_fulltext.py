"""A read-only plan shows the full text of a changed long cell (rows keep it as a digest)."""

from __future__ import annotations

import zipfile

from app.configdoc import fulltext
from app.configdoc.dataset import read_config_zip
from app.configdoc.diff import diff_configs
from app.configdoc.fulltext import fill_texts
from app.configdoc.xmlstream import is_digest
from tests.helpers import MAP_DOC


def _zip(path, codes):
    from xml.sax.saxutils import escape

    rules = "".join(
        f"  <Rule>\n    <ID>{i}</ID>\n    <Name>a{i}</Name>\n    <Code>{escape(code)}</Code>\n  </Rule>\n"
        for i, code in enumerate(codes)
    )
    doc = f'<?xml version="1.0" standalone="yes"?>\n<NewDataSet>\n{rules}</NewDataSet>\n'
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("duradosappsys7", doc)
        z.writestr("duradosappsys7xml", MAP_DOC)
    return path


def test_changed_and_added_long_texts_are_read_back(tmp_path):
    old_code = "var a = '<old> & co';\n" * 600  # ~13 KiB: a digest in the rows
    new_code = old_code.replace("old", "new")
    old = _zip(tmp_path / "old.zip", [old_code, "short"])
    new = _zip(tmp_path / "new.zip", [new_code, "short", "x" * 9000])
    diff = diff_configs(read_config_zip(old), read_config_zip(new))
    changed = next(c for c in diff.changes if c.key == ".a0")
    added = next(c for c in diff.changes if c.key == ".a2")
    assert all(is_digest(t) for t in changed.columns["Code"]) and is_digest(added.columns["Code"][1])
    assert fill_texts(diff, old, new) == 0
    changed = next(c for c in diff.changes if c.key == ".a0")
    added = next(c for c in diff.changes if c.key == ".a2")
    assert changed.columns["Code"] == (old_code, new_code)
    assert added.columns["Code"] == (None, "x" * 9000)


def test_past_the_budget_a_text_stays_a_digest(tmp_path, monkeypatch):
    monkeypatch.setattr(fulltext, "TOTAL", 20_000)
    old = _zip(tmp_path / "old.zip", [])
    new = _zip(tmp_path / "new.zip", ["a" * 15_000, "b" * 15_000])
    diff = diff_configs(read_config_zip(old), read_config_zip(new))
    assert fill_texts(diff, old, new) == 1
    texts = [c.columns["Code"][1] for c in diff.changes]
    assert sorted(map(is_digest, texts)) == [False, True]
