"""History keeps a large plan compressed, built piece by piece; a small one stays readable text."""

from __future__ import annotations

import json
import zlib

import pytest

from app.engine.planjson import SMALL, decode_plan, encode_plan, lean_json
from tests.helpers import traced


def _plan(changes: int) -> dict:
    details = [
        {"table": "Field", "key": f"object{i:04d}.field{i:02d}", "change": "added", "columns": {"Name": [None, "x" * 40]}}
        for i in range(changes)
    ]
    return {"source": "dev", "target": "qa", "config_details": details, "nested": {"list": list(range(100))}}


def test_a_small_plan_is_text_and_a_large_one_compressed_and_both_read_back():
    small, large = _plan(3), _plan(20_000)
    stored_small, stored_large = encode_plan(small), encode_plan(large)
    assert isinstance(stored_small, str) and json.loads(stored_small) == small
    assert isinstance(stored_large, bytes) and len(stored_large) < len(json.dumps(large)) // 5
    assert decode_plan(stored_small) == small and decode_plan(stored_large) == large
    assert lean_json(large) == json.dumps(large) and len(json.dumps(large)) > SMALL
    assert decode_plan(None) == {} and decode_plan("[1]") == {}


def test_a_large_plan_is_never_held_as_one_text():
    plan = _plan(30_000)
    text = len(json.dumps(plan))
    stored, _held, peak = traced(lambda: encode_plan(plan))
    assert peak < text / 3, f"peak {peak:,} bytes for a plan of {text:,} characters"
    assert decode_plan(stored) == plan


@pytest.mark.parametrize(
    "damaged",
    [b"\x78\x9c not zlib at all", zlib.compress(b'{"a": 1}')[:-4], zlib.compress(b"not json"), "{not json"],
    ids=["not-zlib", "cut-short", "not-json", "bad-text"],
)
def test_a_damaged_record_is_a_value_error(damaged):
    with pytest.raises(ValueError):
        decode_plan(damaged)


def test_a_run_whose_record_is_damaged_is_named_not_guessed(tmp_path):
    """Undo and "the last write" decide from what a run wrote: a damaged record stops them with a
    message naming the run, instead of an unexpected error or a plan taken as empty."""
    from app.engine.history import History
    from app.errors import UsageError

    history = History(tmp_path / "history.sqlite")
    try:
        run = history.start("promote", "dev", "qa")
        history.finish(run, "succeeded", "ok", _plan(5_000) | {"written": ["Upload configuration"]}, [], {})
        assert history.get(run).plan["written"] == ["Upload configuration"]
        history._db.execute("UPDATE runs SET plan=? WHERE id=?", (b"\x78\x9c not a plan", run))
        with pytest.raises(UsageError, match=rf"run #{run} is damaged"):
            history.last_write(("promote",), "qa")
    finally:
        history.close()
