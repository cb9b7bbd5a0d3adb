"""Sandbox rules that are not client calls: loopback only, reset, app creation; diffs; profiles."""

from __future__ import annotations

import copy
import io
import json

import pytest
import requests

from app.configdoc.dataset import ConfigDocs, read_dataset
from app.configdoc.diff import diff_configs, fingerprint
from app.engine.modeldiff import diff_models
from app.errors import UsageError
from app.profile import Profile
from app.profiles import ProfileStore
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from tests.helpers import list_apps


def test_sandbox_refuses_a_non_loopback_address(tmp_path):
    with pytest.raises(UsageError, match="not a loopback address"):
        SandboxServer(tmp_path, host="0.0.0.0")


def test_reset_brings_back_the_seeded_apps(client_for, control, sandbox):
    qa = client_for("shop-qa")
    qa.apply_model([])
    assert control.state("shop-qa")["model"] == []
    requests.post(f"{sandbox.url}/_sandbox/reset", timeout=10).raise_for_status()
    assert len(control.state("shop-qa")["model"]) == 6


def test_create_app_uses_the_url_decoding_quirk(client_for, sandbox):
    qa = client_for("shop-qa")
    response = requests.post(
        f"{sandbox.url}/admin/myApps",
        data=json.dumps({"name": "new-app", "title": "A%2BB"}),
        headers={"Authorization": qa.credentials.header(), "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 200 and response.json()["Title"] == "A+B"
    assert "new-app" in [a["Name"] for a in list_apps(qa)]


def test_model_diff_names_what_changes():
    old, new = seed.base_model(), seed.dev_model()
    diff = diff_models(old, new)
    assert diff.added_objects == ["coupons"]
    assert "~ field orders.status changed (defaultValue: 'new' -> 'pending')" in diff.lines()
    back = diff_models(new, old)
    assert back.dropped_tables == ["coupons"]
    assert ("products", "sku") in back.dropped_columns
    assert ("coupons", "orders") not in back.dropped_columns  # a collection is no column


def test_config_diff_of_the_real_document(shared_fixtures):
    raw = (shared_fixtures / "app-config.xml").read_bytes()
    mapping = read_dataset(io.BytesIO((shared_fixtures / "map-config.xml").read_bytes()))
    original = ConfigDocs(read_dataset(io.BytesIO(raw)), mapping)
    changed_raw = raw.replace(
        b"<WhereCondition>1=2</WhereCondition>", b"<WhereCondition>1=3</WhereCondition>"
    )
    changed_raw = changed_raw.replace(
        b"<ConfigVersion>1.0.407</ConfigVersion>", b"<ConfigVersion>9.9.9</ConfigVersion>"
    )
    changed_raw = changed_raw.replace(b">/Uploads/</", b">/Uploads/55/</")
    changed = ConfigDocs(read_dataset(io.BytesIO(changed_raw)), mapping)
    diff = diff_configs(original, changed)
    assert [c.describe() for c in diff.changes] == [
        "~ action durados_App.Check for logo - create (WhereCondition)"
    ]
    assert diff.summary() == {"actions": {"added": 0, "removed": 0, "changed": 1}}
    only_rewrites = raw.replace(
        b"<ConfigVersion>1.0.407</ConfigVersion>", b"<ConfigVersion>2</ConfigVersion>"
    )
    assert fingerprint(
        ConfigDocs(
            read_dataset(io.BytesIO(only_rewrites.replace(b">/Uploads/</", b">/Uploads/9/</"))), mapping
        )
    ) == fingerprint(original)


def test_profiles_round_trip_export_and_import(tmp_path):
    store = ProfileStore(tmp_path / "a" / "profiles.json")
    store.upsert(Profile("qa", "https://api.backand.com", "shop-qa", username="me@x", stage=2))
    store.upsert(Profile("dev", "https://api.backand.com", "shop-dev", username="me@x"))
    assert [p.name for p in store.load()] == ["dev", "qa"]
    store.export_to(tmp_path / "team.json")
    other = ProfileStore(tmp_path / "b" / "profiles.json")
    assert [p.name for p in other.import_from(tmp_path / "team.json")] == ["dev", "qa"]
    assert other.get("qa").stage == 2
    with pytest.raises(UsageError, match="password auth needs --username"):
        store.upsert(Profile("bad", "https://x.test", "a"))
    doc = json.loads((tmp_path / "team.json").read_text())
    assert doc["schema_version"] == 1 and all("token" not in json.dumps(p) for p in doc["profiles"])
    bad = copy.deepcopy(doc)
    bad["profiles"][0]["app"] = "has space"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    with pytest.raises(UsageError, match="not a Backand app name"):
        other.import_from(tmp_path / "bad.json")


def test_stopping_drops_a_call_held_by_a_delay_instead_of_failing_it_later(tmp_path, caplog):
    """A call held by a delay fault used to wake after the server stopped and fail against its
    closed store, logging an error into whatever test ran next; it is dropped at the stop now."""
    import logging
    import threading
    import time

    from tests.helpers import SandboxControl, wait_until

    caplog.set_level(logging.ERROR, logger="promoter")
    server = SandboxServer(tmp_path / "sandbox").start()
    SandboxControl(server.url).fault(path="/1/model", delay=30.0)
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(requests.get(f"{server.url}/1/model", timeout=60).status_code)
        except requests.RequestException as exc:
            outcome.append(type(exc).__name__)

    caller = threading.Thread(target=call)
    caller.start()
    fired = lambda: requests.get(f"{server.url}/_sandbox/faults", timeout=10).json() == []  # noqa: E731
    assert wait_until(fired, 10)  # the fault fired: the call is being held
    began = time.monotonic()
    server.stop()
    caller.join(timeout=20)
    assert not caller.is_alive() and time.monotonic() - began < 10  # generous: not the fault's 30 s
    assert outcome and outcome[0] != 200
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
