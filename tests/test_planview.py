"""The window's typed view of a plan, parsed strictly from a plan's record (history)."""

from __future__ import annotations

import pytest

from app.engine.gates import Gate
from app.engine.reads.planview import Change, PlanRecordError, PlanView
from app.kinds import Valid


def test_an_old_record_without_keys_reads_as_empty():
    view = PlanView.from_record({"valid": "data", "config_details": []})
    assert view.valid is Valid.DATA and view.model.count == 0 and view.config == ()
    assert view.security.changes == () and view.shaping.excludes == () and not view.has_changes
    assert PlanView.from_record({}).valid is None


def test_a_record_is_read_into_typed_parts():
    view = PlanView.from_record(
        {
            "valid": "always",
            "model_details": {"fields": [{"object": "o", "field": "f", "change": "removed", "old": {}}]},
            "config_details": [
                {
                    "table": "Rule",
                    "key": "o.a",
                    "change": "changed",
                    "category": "actions",
                    "columns": {"Code": ["a", "b"]},
                }
            ],
            "gates": [{"gate": "protected", "message": "type prod"}],
            "shaping": {"excludes": ["model:o"], "no_rules": True},
            "written": ["model"],
        }
    )
    assert view.model.fields[0].change is Change.REMOVED and view.model.fields[0].is_column
    assert view.config[0].columns == {"Code": ("a", "b")} and view.config[0].row == "Rule[o.a]"
    assert view.gates[0].gate is Gate.PROTECTED and view.shaping.no_rules and view.written == ("model",)


@pytest.mark.parametrize(
    ("record", "named"),
    [
        ({"valid": 3}, "valid"),
        ({"valid": "sometimes"}, "sometimes"),
        ({"warnings": "one"}, "warnings"),
        ({"config_details": [{"change": "moved"}]}, "config_details.change"),
        ({"config_details": [{"columns": {"Code": "x"}}]}, "config_details.columns.Code"),
        ({"security": {"weakening": "2"}}, "security.weakening"),
        ({"drifted": "yes"}, "drifted"),
        ({"gates": [{"gate": "nope"}]}, "nope"),
        ({"shaping": []}, "shaping"),
    ],
)
def test_a_wrong_type_is_an_error_that_names_it(record, named):
    with pytest.raises(PlanRecordError) as caught:
        PlanView.from_record(record)
    assert named in caught.value.message
