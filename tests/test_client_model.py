"""The model calls and their quirks, against real SQLite tables in the sandbox."""

from __future__ import annotations

import copy
import json

import pytest
import requests

from app.backand import errors


def _field(model, obj, name):
    return next(o for o in model if o["name"] == obj)["fields"][name]


def test_plus_and_percent_survive_a_model_round_trip(client_for):
    client = client_for("shop-qa")
    model = client.get_model()
    new = copy.deepcopy(model)
    _field(new, "products", "currency")["defaultValue"] = "a+b 100%"
    assert client.validate_model(new, model).valid == "always"
    applied = client.apply_model(new)
    assert _field(applied, "products", "currency")["defaultValue"] == "a+b 100%"
    assert _field(client.get_model(), "products", "currency")["defaultValue"] == "a+b 100%"


def test_the_server_really_url_decodes_bodies(sandbox, client_for):
    """Why the client escapes: an unescaped '+' arrives as a space."""
    client = client_for("shop-qa")
    model = client.get_model()
    new = copy.deepcopy(model)
    _field(new, "products", "currency")["defaultValue"] = "a+b"
    response = requests.post(
        f"{sandbox.url}/1/model",
        data=json.dumps({"newSchema": new, "severity": 0}),
        headers={
            "Authorization": client.credentials.header(),
            "AppName": "shop-qa",
            "Content-Type": "application/json",
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert _field(response.json(), "products", "currency")["defaultValue"] == "a b"


def test_validate_without_old_schema_and_with_a_stale_one(client_for, sandbox):
    client = client_for("shop-qa")
    model = client.get_model()
    response = requests.post(
        f"{sandbox.url}/1/model/validate",
        data=json.dumps({"newSchema": model}),
        headers={"Authorization": client.credentials.header(), "AppName": "shop-qa"},
        timeout=10,
    )
    assert response.status_code == 400 and response.text == "Missing oldSchema property."
    stale = model[:-1]
    with pytest.raises(errors.ModelChanged, match="The model has changed"):
        client.validate_model(model, stale)


def _without_reviews_and_currency(model):
    new = [o for o in copy.deepcopy(model) if o["name"] != "reviews"]
    for obj in new:
        obj["fields"] = {k: v for k, v in obj["fields"].items() if v.get("collection") != "reviews"}
    del next(o for o in new if o["name"] == "products")["fields"]["currency"]
    return new


def test_drops_are_notifications_not_a_lower_verdict(client_for, control):
    client = client_for("shop-qa")
    model = client.get_model()
    result = client.validate_model(_without_reviews_and_currency(model), model)
    assert result.valid == "always" and result.complete
    assert result.dropped_tables == ["reviews"]
    assert ("products", "currency") in result.dropped_columns
    client.apply_model(_without_reviews_and_currency(model))
    state = control.state("shop-qa")
    assert "reviews" not in state["tables"]
    assert "currency" not in state["tables"]["products"]
    assert state["rows"]["products"] == 5  # the rows stay, the column's data is gone


def test_type_change_on_a_column_with_data_is_data_with_early_return(client_for):
    client = client_for("shop-qa")
    model = client.get_model()
    new = copy.deepcopy(model)
    _field(new, "products", "currency")["type"] = "float"
    result = client.validate_model(new, model)
    assert result.valid == "data" and not result.complete
    assert result.warnings[0]["kind"] == "column type conflict"
    assert result.warnings[0]["column"] == "currency"
    full = client.validate_model(new, model, severity=1)
    assert full.valid == "data" and full.complete and full.alter
    with pytest.raises(errors.InvalidSchemaError):
        client.apply_model(new)
    applied = client.apply_model(new, severity=1)
    assert _field(applied, "products", "currency")["type"] == "float"


def test_type_change_on_an_empty_column_is_safe(client_for):
    client = client_for("shop-qa")
    new = copy.deepcopy(client.get_model())
    next(o for o in new if o["name"] == "categories")["fields"]["icon"] = {"type": "string"}
    client.apply_model(new)
    changed = copy.deepcopy(new)
    _field(changed, "categories", "icon")["type"] = "binary"
    assert client.validate_model(changed, client.get_model()).valid == "always"
    with_data = copy.deepcopy(new)
    _field(with_data, "users", "lastName")["type"] = "text"
    assert client.validate_model(with_data, client.get_model()).valid == "data"


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda m: m.append({"name": "bad name", "fields": {}}), "invalid"),
        (lambda m: m[0]["fields"].update({"x": {"type": "money"}}), "unknown type 'money'"),
        (lambda m: m[0]["fields"].update({"buddy": {"object": "categories"}}), "one-sided"),
        (
            lambda m: m[0]["fields"].update({"tags": {"collection": "categories", "via": "products"}}),
            "many-to-many",
        ),
    ],
)
def test_invalid_models_are_never_and_417_on_apply(client_for, mutate, fragment):
    client = client_for("shop-qa")
    model = client.get_model()
    new = copy.deepcopy(model)
    mutate(new)
    result = client.validate_model(new, model)
    assert result.valid == "never"
    assert any(fragment in str(w) for w in result.warnings)
    with pytest.raises(errors.InvalidSchemaError, match=r"Invalid schema: \(1\)"):
        client.apply_model(new)
    assert client.get_model() == model


def test_apply_saves_a_version_and_bumps_config_version(client_for, control):
    client = client_for("shop-qa")
    before = control.state("shop-qa")
    model = client.get_model()
    new = copy.deepcopy(model)
    next(o for o in new if o["name"] == "users")["fields"]["phone"] = {"type": "string"}
    client.apply_model(new)
    after = control.state("shop-qa")
    assert after["stored_version"] == "1.1.2" and after["cached_version"] == "1.1.2"
    assert before["stored_version"] in after["versions"]
    assert "phone" in after["tables"]["users"]


def test_empty_model_drops_every_table(client_for, control):
    client = client_for("shop-qa")
    assert client.apply_model([]) == []
    assert [t for t in control.state("shop-qa")["tables"] if not t.startswith("sqlite_")] == []
