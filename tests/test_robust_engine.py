"""Issue 25 against the engine and the real sandbox: a malformed model is one environment's error,
deadlines that fit each call, a settled write said where the run is reported."""

from __future__ import annotations

import json

import pytest

from app.backand import errors
from app.engine.overview import read_overview

MALFORMED_MODELS = {
    "scalars": [1, "x", None],
    "fields as a list": [{"name": "items", "fields": ["name", "price"]}],
    "a field as a string": [{"name": "items", "fields": {"name": "string"}}],
    "an object": {"items": {}},
}


@pytest.mark.parametrize("body", MALFORMED_MODELS.values(), ids=MALFORMED_MODELS.keys())
def test_one_environments_malformed_model_is_its_own_error_in_the_overview(ctx, control, body):
    control.fault(path="/1/model", method="GET", app="shop-prod", status=200, body=json.dumps(body), times=9)
    overview = read_overview(ctx)
    dev, qa, prod = overview.stations
    assert dev.reachable and qa.reachable and not prod.reachable
    assert "not a model" in prod.error, prod.error
    assert overview.steps[0].known and overview.steps[0].model_changes == 4
    assert overview.steps[1].error == "not reachable"
    with (
        ctx.client(ctx.profiles.get("prod")) as client,
        pytest.raises(errors.ProtocolError, match="not a model"),
    ):
        client.get_model()  # every command that reads the model gets the same clear message
