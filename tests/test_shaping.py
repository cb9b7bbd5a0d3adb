"""Rules and exclusions end to end against the sandbox: what is sent, what the target keeps."""

from __future__ import annotations

import zipfile
from dataclasses import replace

import pytest

from app.engine.gates import Consent
from app.engine.ops.promote import plan_promotion, promote
from app.engine.ops.undo import undo
from app.engine.reads import one_target
from app.engine.reads.plan import PromoteOptions
from app.errors import InvalidConfigZip, UsageError
from app.shaping.rules import Rule


def add_rules(ctx, name, *rules):
    profile = ctx.profiles.get(name)
    return ctx.profiles.upsert(replace(profile, rules=tuple(rules)))


def live(ctx, name):
    """The target's model and the rows of its configuration, read through the product."""
    profile = ctx.profiles.get(name)
    with ctx.client(profile) as client:
        model = client.get_model()
    docs = ctx.docs(one_target.export(ctx, profile))
    return {o["name"]: o for o in model}, docs


def rows(docs, table):
    return docs.app.tables.get(table, [])


def action(docs, name):
    return next((r for r in rows(docs, "Rule") if r.get("Name") == name), None)


def effects(result):
    return [e["text"] for e in result.plan["shaping"]["effects"]]


def test_keep_rule_on_a_setting_keeps_the_targets_value(ctx):
    add_rules(ctx, "qa", Rule(1, "keep", "Database.DisplayName"))
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert result.status == "succeeded", result.message
    _model, docs = live(ctx, "qa")
    assert rows(docs, "Database")[0]["DisplayName"] == "Shop (QA)"
    assert action(docs, "Apply coupon") is not None  # everything else arrived
    assert any("kept by rule 1" in t and "'Shop (QA)'" in t for t in effects(result))
    kinds = {e.kind for e in ctx.archive.entries("dev")}
    assert {"export", "sent"} <= kinds
    # the next plan has nothing left to do for it
    again = plan_promotion(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"))
    assert again.plan["config_changes"] == 0, again.plan["config_diff"]


def test_the_sent_zip_is_the_export_byte_for_byte_outside_the_changed_cell(ctx):
    add_rules(ctx, "qa", Rule(1, "keep", "Database.DisplayName"))
    result = plan_promotion(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"))
    sent = ctx.archive.get(result.plan["shaping"]["sent_id"])
    export = ctx.archive.get(result.plan["export_id"])
    with zipfile.ZipFile(ctx.archive.path_of(export)) as a, zipfile.ZipFile(ctx.archive.path_of(sent)) as b:
        assert a.namelist() == b.namelist()
        old, new = a.read(a.namelist()[0]), b.read(b.namelist()[0])
        assert a.read(a.namelist()[1]) == b.read(b.namelist()[1])
    old_line = b"<DisplayName>Shop (development)</DisplayName>"
    assert old.replace(old_line, b"<DisplayName>Shop (QA)</DisplayName>") == new


def test_replace_rule_rewrites_text_in_one_cell(ctx):
    add_rules(
        ctx, "qa", Rule(3, "replace", "Rule[Send confirmation].Code", "CONSTS.apiUrl", "'https://qa.example'")
    )
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert result.status == "succeeded", result.message
    _model, docs = live(ctx, "qa")
    code = action(docs, "Send confirmation")["Code"]
    assert "'https://qa.example' + '/1/objects/users/'" in code and "CONSTS.apiUrl" not in code
    assert "CONSTS.apiUrl" in action(docs, "Apply coupon")["Code"]  # only the selected cell
    assert any(
        "replaced by rule 3 in Rule[orders.Send confirmation].Code: 1 occurrence" in t
        for t in effects(result)
    )


def test_replace_with_a_regex(ctx):
    add_rules(ctx, "qa", Rule(1, "replace", "Database.DisplayName", r"\(development\)", "(QA copy)", True))
    result = plan_promotion(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"))
    details = result.plan["config_details"]
    settings = next(c for c in details if c["table"] == "Database")
    assert settings["columns"]["DisplayName"] == ["Shop (QA)", "Shop (QA copy)"]


def test_keep_a_whole_row_by_name(ctx):
    add_rules(ctx, "qa", Rule(1, "keep", "Rule[Apply coupon]"))
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert result.status == "succeeded", result.message
    _model, docs = live(ctx, "qa")
    assert action(docs, "Apply coupon") is None  # qa has no such action, and keeps not having it
    assert any("(not added)" in t for t in effects(result))


def test_exclude_a_model_field_leaves_out_its_field_rows(ctx):
    options = PromoteOptions(exclude=("model:products.sku",))
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), options)
    assert result.status == "succeeded", result.message
    model, docs = live(ctx, "qa")
    assert "sku" not in model["products"]["fields"]
    assert "coupons" in model  # the rest arrived
    assert not any(r.get("Name") == "sku" for r in rows(docs, "Field"))
    assert not any(r.get("Name") == "sku" for r in docs.map.tables.get("Field", []))
    texts = effects(result)
    assert any("left out: model:products.sku" in t for t in texts)
    assert any("Field[products.sku]" in t for t in texts)


def test_exclude_a_model_object_takes_its_relations_and_actions(ctx):
    options = PromoteOptions(exclude=("model:coupons",))
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), options)
    assert result.status == "succeeded", result.message
    model, docs = live(ctx, "qa")
    assert "coupons" not in model
    assert "coupon" not in model["orders"]["fields"]  # the relation's other side went with it
    assert model["orders"]["fields"]["status"]["defaultValue"] == "pending"  # included changes arrived
    assert not any(r.get("Name") == "coupons" for r in rows(docs, "View"))
    texts = effects(result)
    assert any("model:orders.coupon goes with model:coupons" in t for t in texts)


def test_exclude_an_action_alone(ctx):
    result = promote(
        ctx,
        ctx.profiles.get("dev"),
        ctx.profiles.get("qa"),
        PromoteOptions(exclude=("Rule[orders.Apply coupon]",)),
    )
    assert result.status == "succeeded", result.message
    model, docs = live(ctx, "qa")
    assert "coupons" in model and action(docs, "Apply coupon") is None


def test_a_dependent_change_is_refused_with_the_reason(ctx):
    result = plan_promotion(
        ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(exclude=("View[coupons]",))
    )
    assert result.status == "failed"
    assert "Leave out model:coupons instead" in result.message
    cell = plan_promotion(
        ctx,
        ctx.profiles.get("dev"),
        ctx.profiles.get("qa"),
        PromoteOptions(exclude=("Rule[Apply coupon].Code",)),
    )
    assert cell.status == "failed" and "the row is new" in cell.message


def test_a_selector_that_matches_nothing_is_reported_not_an_error(ctx):
    add_rules(ctx, "qa", Rule(1, "keep", "Rule[noSuchAction]"), Rule(2, "keep", "model:nothing"))
    result = plan_promotion(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"))
    assert result.status == "dry_run"
    texts = effects(result)
    assert "rule 1: Rule[noSuchAction] matches nothing in either configuration" in texts
    assert "rule 2: model:nothing matches nothing in either model" in texts


def test_no_rules_says_so_and_sends_the_source_as_it_is(ctx):
    add_rules(ctx, "qa", Rule(1, "keep", "Database.DisplayName"))
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(no_rules=True))
    assert result.status == "succeeded"
    assert result.plan["shaping_lines"][0].startswith("--no-rules: the target's 1 rule NOT applied")
    _model, docs = live(ctx, "qa")
    assert rows(docs, "Database")[0]["DisplayName"] == "Shop (development)"


def test_a_plan_made_with_other_rules_is_stale(ctx):
    plan = plan_promotion(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"))
    add_rules(ctx, "qa", Rule(1, "keep", "Database.DisplayName"))
    result = promote(
        ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(expect_stamp=plan.plan["stamp"])
    )
    assert result.status == "refused"


def test_undo_after_a_shaped_promotion_puts_everything_back(ctx):
    before_model, before_docs = live(ctx, "qa")
    add_rules(ctx, "qa", Rule(1, "keep", "Database.DisplayName"))
    result = promote(
        ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(exclude=("model:products.sku",))
    )
    assert result.status == "succeeded"
    undone = undo(ctx, result.run_id, Consent(allow_data_loss=True))
    assert undone.status == "succeeded", undone.message
    model, docs = live(ctx, "qa")
    assert model == before_model
    assert len(rows(docs, "Rule")) == len(rows(before_docs, "Rule"))


def test_a_failed_shaped_promotion_rolls_back(ctx, control):
    before_model, _docs = live(ctx, "qa")
    add_rules(ctx, "qa", Rule(1, "keep", "Database.DisplayName"))
    control.fault(path="/1/app/upload", status=500)
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    control.clear_faults()
    assert result.status == "rolled_back"
    model, docs = live(ctx, "qa")
    assert model == before_model and rows(docs, "Database")[0]["DisplayName"] == "Shop (QA)"


def test_malformed_selectors_are_named():
    from app.shaping.selectors import parse

    for bad in ("model:", "Rule[", "Rule[x].ID", "1abc", "model:a.b.c"):
        with pytest.raises(UsageError) as err:
            parse(bad)
        assert repr(bad.strip()) in err.value.message or bad in err.value.message


def _zip(
    path, app_doc: str, map_doc: str = '<?xml version="1.0"?>\n<MapDataSet xmlns="urn:x">\n</MapDataSet>\n'
):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("duradosappsys7", app_doc)
        z.writestr("duradosappsys7xml", map_doc)
    return path


def _doc(code: str, title: str = "t") -> str:
    from xml.sax.saxutils import escape

    return (
        '<?xml version="1.0" standalone="yes"?>\n<NewDataSet>\n  <Database>\n    <ID>0</ID>\n'
        f"    <Title>{escape(title)}</Title>\n  </Database>\n  <Rule>\n    <ID>1</ID>\n    <Name>big</Name>\n"
        f"    <Code>{escape(code)}</Code>\n    <Rules>1</Rules>\n  </Rule>\n  <Empty />\n</NewDataSet>\n"
    )


def test_rewrite_handles_cells_too_long_to_hold_in_the_parsed_rows(tmp_path):
    """A 2.4 MB action body is a digest in the parsed rows: replace reads it from the zip as it
    copies, keep reads the target's from the target's zip; the rest stays byte for byte."""
    from app.configdoc.dataset import read_config_zip
    from app.configdoc.rewrite import DocEdits, FromOther, Replace, rewrite_zip
    from app.configdoc.xmlstream import is_digest

    body = "var url = 'https://dev.example'; // <&>\n" * 60_000  # over 2 MiB: the streamed reader
    source = _zip(tmp_path / "s.zip", _doc(body, "dev"))
    target = _zip(tmp_path / "t.zip", _doc(body.replace("dev", "prod"), "prod"))
    assert is_digest(read_config_zip(source).app.tables["Rule"][0]["Code"])
    edits = DocEdits()
    edits.set_cell(("Rule", 0), "Code", Replace("https://dev.example", "https://qa.example"))
    counts = rewrite_zip(source, tmp_path / "out.zip", edits, DocEdits(), target)
    assert counts[(("Rule", 0), "Code")] == 60_000
    with zipfile.ZipFile(tmp_path / "out.zip") as z:
        text = z.read("duradosappsys7").decode()
    assert text == _doc(body.replace("dev.example", "qa.example"), "dev")
    keep = DocEdits()
    keep.set_cell(("Rule", 0), "Code", FromOther("Rule", 0, "Code"))
    keep.set_cell(("Database", 0), "Title", "prod & co")
    keep.set_cell(("Rule", 0), "Added", "x")
    rewrite_zip(source, tmp_path / "kept.zip", keep, DocEdits(), target)
    with zipfile.ZipFile(tmp_path / "kept.zip") as z:
        kept = z.read("duradosappsys7").decode()
    expected = _doc(body.replace("dev", "prod"), "prod & co").replace(
        "    <Rules>1</Rules>\n  </Rule>", "    <Rules>1</Rules>\n    <Added>x</Added>\n  </Rule>"
    )
    assert kept == expected
    empty = DocEdits()
    empty.set_cell(("Empty", 0), "Added", "x")
    with pytest.raises(InvalidConfigZip, match="Empty #1 is empty"):
        rewrite_zip(source, tmp_path / "bad.zip", empty, DocEdits(), target)
    assert not (tmp_path / "bad.zip").exists()


def test_a_field_row_of_a_new_object_cannot_be_left_out_alone(ctx):
    result = plan_promotion(
        ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(exclude=("Field[coupons.code]",))
    )
    assert result.status == "failed" and "Leave out model:coupons instead" in result.message


def edit_config(ctx, name, edit, tmp_path):
    """Change an environment's configuration outside the promoter (as the Backand console would)."""
    entry = one_target.export(ctx, ctx.profiles.get(name))
    out = tmp_path / f"edited-{name}.zip"
    with (
        zipfile.ZipFile(ctx.archive.path_of(entry)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z,
    ):
        for index, info in enumerate(zin.infolist()):
            data = zin.read(info).decode()
            z.writestr(info.filename, edit(data) if index == 0 else data)
    with ctx.client(ctx.profiles.get(name)) as client:
        client.upload_config(out, "edited.zip")
        client.reload_cache()


def test_a_long_cell_in_a_small_document_does_not_break_a_shaped_promotion(ctx, tmp_path):
    """Found by review: a cell over 64 KiB was kept whole by one reader and as a digest by the
    other, so the plan showed a false change and the verify rolled back every shaped promotion."""
    long_text = "// " + "x" * 70_000 + "\n"
    edit_config(
        ctx,
        "dev",
        lambda d: d.replace("<WhereCondition>true", "<WhereCondition>true" + long_text, 1),
        tmp_path,
    )
    add_rules(ctx, "qa", Rule(1, "keep", "Database.DisplayName"))
    plan = plan_promotion(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"))
    validate = next(c for c in plan.plan["config_details"] if c["key"] == "products.Validate price")
    assert "WhereCondition" in validate["columns"]  # a real change: dev's is long now, qa's "true"
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert result.status == "succeeded", result.message
    again = plan_promotion(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"))
    assert again.plan["config_changes"] == 0, again.plan["config_diff"]


def test_a_misspelled_exclusion_is_refused_not_ignored(ctx):
    for selector, words in (
        ("model:coupon", "matches nothing in either model"),
        ("Database.DisplayNme", "no such column in Database"),
        ("Rule[Apply cupon]", "matches nothing in either configuration"),
    ):
        result = promote(
            ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(exclude=(selector,))
        )
        assert result.status == "failed" and result.error_kind == "usage" and words in result.message
        assert "nothing was written" in result.message
    with ctx.client(ctx.profiles.get("qa")) as qa:
        assert "coupons" not in [o["name"] for o in qa.get_model()]


def test_keeping_an_object_takes_the_new_side_of_its_relation_out_too(ctx):
    """Found by review: keep model:orders sent coupons.orders without orders.coupon (one-sided)."""
    add_rules(ctx, "qa", Rule(1, "keep", "model:orders"))
    result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions())
    assert result.status == "succeeded", result.message
    model, _docs = live(ctx, "qa")
    assert "coupon" not in model["orders"]["fields"] and "orders" not in model["coupons"]["fields"]
    assert "code" in model["coupons"]["fields"]


def test_uploads_are_matched_by_their_type_not_their_position(ctx, tmp_path):
    """Found by review: Upload[#1] named a position, so a new upload in dev shifted qa's title."""
    add_rules(ctx, "qa", Rule(1, "keep", "Upload[Image].Title"))
    extra = (
        "<Upload>\n    <ID>9</ID>\n    <UploadFileType>Document</UploadFileType>\n"
        "    <UploadVirtualPath>/Uploads/101/docs/</UploadVirtualPath>\n    <Title>Invoices</Title>\n  </Upload>\n  "
    )
    edit_config(ctx, "dev", lambda d: d.replace("<Upload>", extra + "<Upload>", 1), tmp_path)
    assert (
        promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions()).status == "succeeded"
    )
    _model, docs = live(ctx, "qa")
    assert sorted((u["UploadFileType"], u["Title"]) for u in rows(docs, "Upload")) == [
        ("Document", "Invoices"),
        ("Image", "QA pics"),
    ]


def test_rules_that_could_only_fail_later_are_refused_when_made():
    from app.shaping.selectors import parse

    for rule, words in (
        (Rule(1, "replace", "Rule[x].Code", "(a)", r"\9", True), "refers to group '9'"),
        (Rule(1, "replace", "Rule[x].Code", "a", "P\x01"), "XML documents cannot hold"),
        (Rule(1, "keep", "Rule[ ]"), "blank"),
        (Rule(1, "keep", "Rule[x\x1bc].Code"), "control character"),
    ):
        with pytest.raises(UsageError, match=words):
            rule.validate()
    assert parse("Upload[Image].Title").row == "Image"


def test_profile_files_with_twice_the_same_rule_id_or_deep_nesting_are_named(tmp_path):
    import json

    from app.profiles import ProfileStore

    path = tmp_path / "profiles.json"
    rule = {"id": 2, "kind": "keep", "selector": "Database.X"}
    profile = {
        "name": "qa",
        "base_url": "https://qa.example",
        "app": "shop-qa",
        "auth": "token",
        "rules": [rule, rule],
    }
    path.write_text(json.dumps({"schema_version": 2, "profiles": [profile]}))
    with pytest.raises(UsageError, match="two rules numbered 2"):
        ProfileStore(path).load()
    path.write_text("[" * 100_000)
    with pytest.raises(UsageError, match="nested too deeply"):
        ProfileStore(path).load()


def test_a_replace_that_finds_nothing_in_a_long_cell_leaves_its_bytes(tmp_path):
    from app.configdoc.rewrite import DocEdits, Replace, rewrite_zip

    body = "a &quot;q&quot; &gt; b\n" * 120_000  # over 2 MiB, entities as .NET writes them
    doc = _doc("x").replace("<Code>x</Code>", f"<Code>{body}</Code>")
    source = _zip(tmp_path / "s.zip", doc)
    edits = DocEdits()
    edits.set_cell(("Rule", 0), "Code", Replace("NOT-THERE", "y"))
    counts = rewrite_zip(source, tmp_path / "out.zip", edits, DocEdits())
    assert counts[(("Rule", 0), "Code")] == 0
    with zipfile.ZipFile(tmp_path / "out.zip") as z:
        assert z.read("duradosappsys7").decode() == doc


def _tooltips(*texts: str) -> str:
    return "".join(
        f"<Tooltip>\n    <ID>{70 + n}</ID>\n    <Text>{t}</Text>\n  </Tooltip>\n  "
        for n, t in enumerate(texts)
    )


def tooltip_texts(ctx, name):
    _model, docs = live(ctx, name)
    return [r.get("Text") for r in rows(docs, "Tooltip")]


@pytest.fixture
def tooltips(ctx, tmp_path):
    """qa's Tooltip rows (which have no Name) are [Alpha tip, Beta tip]; dev's [New tip, Alpha tip,
    Beta tip]: the plan names them by position, #1 #2 #3."""
    for name, texts in (("qa", ("Alpha tip", "Beta tip")), ("dev", ("New tip", "Alpha tip", "Beta tip"))):
        edit_config(
            ctx,
            name,
            lambda d, t=texts: d.replace("</NewDataSet>", _tooltips(*t) + "</NewDataSet>"),
            tmp_path,
        )
    assert tooltip_texts(ctx, "qa") == ["Alpha tip", "Beta tip"]
    return ctx


def test_a_row_without_a_name_is_not_left_out_or_kept_by_its_position(tooltips):
    """Found by attack (issue 25): --exclude Tooltip[#3] sent [New tip, Alpha tip] (Beta tip lost,
    which the plan never said); a keep rule Tooltip[#1] gave [Alpha tip, Alpha tip, Beta tip]."""
    ctx = tooltips
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    for selector in ("Tooltip[#3]", "Tooltip[#1].Text", "Tooltip.Text"):
        result = promote(ctx, dev, qa, PromoteOptions(exclude=(selector,)))
        assert result.status == "failed" and result.error_kind == "usage", (selector, result.message)
        assert "Tooltip have no name" in result.message and "Name the whole table (Tooltip)" in result.message
    assert tooltip_texts(ctx, "qa") == ["Alpha tip", "Beta tip"]
    with pytest.raises(UsageError, match="have no name"):
        ctx.profiles.add_rule("qa", Rule(0, "keep", "Tooltip[#1]"))
    # a rule of an older file that names a position is loaded, and not applied (said in the plan)
    qa = add_rules(ctx, "qa", Rule(1, "keep", "Tooltip[#1]"))
    result = promote(ctx, dev, qa, PromoteOptions())
    assert result.status == "succeeded", result.message
    said = effects(result)
    assert any(
        t.startswith("rule 1 not applied to Tooltip[#1]: rows of Tooltip have no name") for t in said
    ), said
    assert tooltip_texts(ctx, "qa") == ["New tip", "Alpha tip", "Beta tip"]  # the source's, as it is


def test_the_whole_table_of_rows_without_a_name_is_kept_as_the_target_has_it(tooltips):
    ctx = tooltips
    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    plan = plan_promotion(ctx, dev, qa, PromoteOptions(exclude=("Tooltip",)))
    assert plan.status == "dry_run", plan.message
    assert not [c for c in plan.plan["config_details"] if c["table"] == "Tooltip"]  # sent as qa has it
    assert (
        "left out: Tooltip (its rows have no name: the target's 2 rows sent as they are, in place of the source's 3)"
        in effects(plan)
    )
    result = promote(ctx, dev, qa, PromoteOptions(exclude=("Tooltip",)))
    assert result.status == "succeeded", result.message
    assert tooltip_texts(ctx, "qa") == ["Alpha tip", "Beta tip"]
    assert action(live(ctx, "qa")[1], "Apply coupon") is not None  # everything else arrived
    # a keep rule of the whole table does the same, and nothing when both sides hold the same rows
    qa = add_rules(ctx, "qa", Rule(1, "keep", "Tooltip"))
    again = plan_promotion(ctx, dev, qa)
    assert not [c for c in again.plan["config_details"] if c["table"] == "Tooltip"]
    assert again.plan["config_changes"] == 0, again.plan["config_diff"]


BACKTRACKS = "(?:[^@]+)+@"  # exponential on a text without "@" (issue 25)


def test_a_regex_runs_where_its_time_is_bounded_and_a_cancel_stops_it():
    import threading
    import time

    from app.errors import Cancelled
    from app.shaping.regexrun import RegexRunner

    with RegexRunner(budget=0.5) as runner:
        assert runner.subn("a(b)", r"x\1", "zabab", "Rule 1") == ("zxbxb", 2)
        started = time.monotonic()
        with pytest.raises(UsageError, match=r"Rule 3: the regular expression .* was stopped after"):
            runner.subn(BACKTRACKS, "x", "a" * 60, "Rule 3")
        assert time.monotonic() - started < 30  # the budget, plus starting nothing (already running)
        assert runner.subn("b", "c", "bbb", "Rule 1") == ("ccc", 3)  # a new child after the stop
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        RegexRunner(cancel.is_set, budget=600).subn(BACKTRACKS, "x", "a" * 60, "Rule 3")
    assert time.monotonic() - started < 30


def test_a_backtracking_rule_is_refused_when_made_and_bounded_when_loaded(ctx, monkeypatch):
    from app.shaping import regexrun

    with pytest.raises(UsageError, match="a repetition inside a repetition"):
        ctx.profiles.add_rule("qa", Rule(0, "replace", "Rule[Validate price].Code", BACKTRACKS, "x", True))
    ctx.profiles.add_rule("qa", Rule(0, "replace", "Rule[Validate price].Code", "(?:[^@]++)+@", "x", True))
    # one of an older file (loaded as it is) is stopped where it runs, and named
    monkeypatch.setattr(regexrun, "BUDGET_SECONDS", 1.0)
    qa = add_rules(ctx, "qa", Rule(1, "replace", "Rule[Validate price].Code", BACKTRACKS, "x", True))
    result = promote(ctx, ctx.profiles.get("dev"), qa, PromoteOptions())
    assert result.status == "failed" and result.error_kind == "usage", result.message
    assert "Rule 1: the regular expression '(?:[^@]+)+@' was stopped after 1 s" in result.message
    assert not result.written
