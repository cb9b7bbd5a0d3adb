"""A configuration against the model it is served with: objects and plain fields on each side."""

from __future__ import annotations

from app.configdoc.dataset import read_config_zip
from app.engine.consistency import compare
from app.engine.events import Reporter


def _docs_and_model(ctx, name):
    profile = ctx.profiles.get(name)
    with ctx.client(profile) as client:
        model = client.get_model()
        entry = ctx.download(client, profile, "export", Reporter(None, None), "read")
    return read_config_zip(ctx.archive.path_of(entry)), model


def test_each_seeded_app_is_consistent(ctx):
    for name in ("dev", "qa", "prod"):
        docs, model = _docs_and_model(ctx, name)
        assert compare(docs, model).empty, name


def test_a_configuration_whose_model_lacks_an_object_says_which(ctx):
    dev_docs, dev_model = _docs_and_model(ctx, "dev")
    _, qa_model = _docs_and_model(ctx, "qa")
    extra = sorted({o["name"] for o in dev_model} - {o["name"] for o in qa_model})
    assert extra, "the seed keeps dev an object ahead of qa"
    found = compare(dev_docs, qa_model)
    assert found.objects_missing_in_model == extra
    assert f"qa configuration describes 1 object its model lacks: {extra[0]}" in found.lines("qa")


def test_a_field_the_model_lacks_is_named(ctx):
    docs, model = _docs_and_model(ctx, "dev")
    obj = next(o for o in model if any("type" in s for s in o.get("fields", {}).values()))
    name = next(f for f, s in obj["fields"].items() if "type" in s)
    thinner = [
        {**o, "fields": {f: s for f, s in o["fields"].items() if f != name}} if o is obj else o for o in model
    ]
    found = compare(docs, thinner)
    assert found.fields_missing_in_model == [f"{obj['name']}.{name}"]
    assert not found.objects_missing_in_model
    assert compare(docs, model).empty
