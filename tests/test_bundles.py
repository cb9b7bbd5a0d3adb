"""Bundles carried to another disk and back: every entry survives (kind, model, pins, notes), file
names the writer makes safe, manifests validated strictly, SHA256SUMS covering the manifest."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.archive import Archive
from app.archive.bundle import export_bundle, import_bundle
from app.engine.ops.promote import promote
from app.engine.reads import one_target
from app.engine.reads.plan import PromoteOptions
from app.errors import UsageError
from tests.helpers import MAP_DOC, make_config_zip
from tests.test_cli import run

APP_DOC = (
    b'<?xml version="1.0" standalone="yes"?>\n<NewDataSet>\n  <Database>\n    <ID>0</ID>\n'
    b"    <ConfigVersion>1.0.3</ConfigVersion>\n  </Database>\n</NewDataSet>\n"
)
MODEL = [{"name": "items", "fields": {"title": {"type": "string"}}}]


def _same(entry):
    """What must survive a round trip, whatever file it shares."""
    return (entry.profile, entry.app, entry.kind, entry.version, entry.sha256, entry.note, entry.pinned)


@pytest.fixture
def archive(tmp_path):
    arc = Archive(tmp_path / "archive")
    yield arc
    arc.close()


def _zip(tmp_path, name="a.zip", tag=""):
    doc = APP_DOC.replace(b"</NewDataSet>", f"<!-- {tag} --></NewDataSet>".encode()) if tag else APP_DOC
    return make_config_zip(tmp_path / name, doc, MAP_DOC)


def _add(archive, path, kind, **kw):
    import functools

    from app.fsutil import copy_atomically

    fields = {"profile": "qa", "base_url": "http://127.0.0.1:1", "app": "shop-qa"} | kw
    return archive.add_file(functools.partial(copy_atomically, path), kind=kind, **fields)


def test_a_promotion_round_trips_through_a_bundle_with_its_backup_and_model(ctx, tmp_path):
    """export qa; promote dev qa; export-bundle; import-bundle into an empty home: every entry is
    there, the promotion's backup with its model (its bytes equal the export taken before)."""
    qa = ctx.profiles.get("qa")
    one_target.export(ctx, qa)
    result = promote(ctx, ctx.profiles.get("dev"), qa, PromoteOptions(yes=True))
    assert result.ok, result.message
    backup = ctx.archive.get(result.backup_id)
    assert backup.model, "a promotion's backup carries the target's model"
    ctx.archive.set_note(backup.id, "keep me")
    ctx.archive.set_pinned(backup.id, True)
    before = [ctx.archive.get(e.id) for e in ctx.archive.entries()]
    assert any(e.sha256 == backup.sha256 and e.id != backup.id for e in before), "shares bytes"
    bundle = tmp_path / "B"
    exported = run(ctx.home.root, "archive", "export-bundle", str(bundle))
    assert exported.returncode == 0, exported.stderr
    other = tmp_path / "other-home"
    imported = run(other, "archive", "import-bundle", str(bundle), "--json")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    report = json.loads(imported.stdout)
    assert len(report["added"]) == len(before) and report["already"] == [] and report["refused"] == []
    arrived = Archive(other / "archive")
    try:
        after = [arrived.get(e.id) for e in arrived.entries()]
        assert sorted(map(_same, after)) == sorted(map(_same, before))
        restored = [e for e in after if e.kind == "backup"]
        assert len(restored) == 1 and restored[0].model == backup.model
    finally:
        arrived.close()
    again = run(other, "archive", "import-bundle", str(bundle), "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["added"] == [], "a second import adds nothing"


def test_a_backup_sharing_bytes_with_a_version_keeps_its_model(archive, tmp_path):
    source = _zip(tmp_path)
    version = _add(archive, source, "version", version="1.0.3", note="kept by a backup")
    backup = _add(archive, source, "backup", model=MODEL, note="before promote #1")
    assert archive.path_of(version) == archive.path_of(backup), "one file for identical bytes"
    export_bundle(archive, tmp_path / "B", archive.entries()[::-1], [])
    other = Archive(tmp_path / "other")
    try:
        report = import_bundle(other, tmp_path / "B")
        assert len(report.added) == 2 and not report.already
        kinds = {e.kind: other.get(e.id) for e in other.entries()}
        assert kinds["backup"].model == MODEL and kinds["version"].version == "1.0.3"
        assert len(list((other.root / "shop-qa").glob("*.zip"))) == 1, "still one file"
    finally:
        other.close()


def _home_with_entries(tmp_path, *versions):
    """A home whose archive holds one entry per version label (distinct bytes each)."""
    home = tmp_path / "home"
    arc = Archive(home / "archive")
    try:
        for i, version in enumerate(versions):
            _add(arc, _zip(tmp_path, f"{i}.zip", tag=str(i)), "import", version=version, model=MODEL)
    finally:
        arc.close()
    return home


def test_an_odd_version_label_still_makes_a_bundle_its_import_accepts(tmp_path):
    home = _home_with_entries(tmp_path, "2.0+build 7", "../../etc", "x" * 300, "1.0.3")
    bundle = tmp_path / "B"
    assert run(home, "archive", "export-bundle", str(bundle)).returncode == 0
    names = sorted(p.name for p in bundle.glob("*.zip"))
    assert len(names) == 4 and not any(" " in n or "+" in n or "/" in n for n in names), names
    done = run(tmp_path / "other", "archive", "import-bundle", str(bundle), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(json.loads(done.stdout)["added"]) == 4
    arrived = Archive(tmp_path / "other" / "archive")
    try:
        assert {e.version for e in arrived.entries()} == {"2.0+build 7", "../../etc", "x" * 300, "1.0.3"}
    finally:
        arrived.close()


def _resum(bundle):
    """Write SHA256SUMS again after a test edited the manifest (as a careful forger would)."""
    from app.fsutil import sha256_file

    files = sorted(p.name for p in bundle.iterdir() if p.name != "SHA256SUMS")
    (bundle / "SHA256SUMS").write_text("".join(f"{sha256_file(bundle / n)}  {n}\n" for n in files))


def _edit_manifest(bundle, change):
    manifest = json.loads((bundle / "manifest.json").read_text())
    change(manifest)
    (bundle / "manifest.json").write_text(json.dumps(manifest))


def test_one_bad_entry_is_refused_and_the_others_still_come_in(tmp_path):
    home = _home_with_entries(tmp_path, "1.0.1", "1.0.2", "1.0.3")
    bundle = tmp_path / "B"
    assert run(home, "archive", "export-bundle", str(bundle)).returncode == 0
    _edit_manifest(bundle, lambda m: m["entries"][1].update(model="oops"))
    _resum(bundle)
    done = run(tmp_path / "other", "archive", "import-bundle", str(bundle), "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert len(report["added"]) == 2 and len(report["refused"]) == 1
    assert "model is a string, not a list of objects" in report["refused"][0]
    assert "unexpected" not in done.stderr


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda m: m["entries"][0].update(model={"a": 1}), "model is an object, not a list"),
        (lambda m: m["entries"][0].update(model=[1, 2]), "its model: object number 1 is a number"),
        (lambda m: m["entries"][0].update(model=[{"name": "x", "fields": []}]), "fields of 'x' are an array"),
        (lambda m: m["entries"][0].update(pinned="yes"), "pinned is 'yes'"),
        (lambda m: m["entries"][0].update(version=7), "is not a version label"),
        (lambda m: m["entries"][0].update(sha256="x" * 64), "is not 64 hex digits"),
        (lambda m: m["entries"][0].update(note=["a"]), "note is not text"),
        (lambda m: m["entries"].__setitem__(0, "oops"), "Entry 1 of the manifest is not an object"),
    ],
)
def test_manifest_fields_are_validated_strictly(tmp_path, change, said):
    arc = Archive(tmp_path / "archive")
    try:
        _add(arc, _zip(tmp_path), "backup", model=MODEL)
        export_bundle(arc, tmp_path / "B", arc.entries(), [])
        _edit_manifest(tmp_path / "B", change)
        _resum(tmp_path / "B")
        other = Archive(tmp_path / "other")
        report = import_bundle(other, tmp_path / "B")
        assert report.added == [] and len(report.refused) == 1 and said in report.refused[0], report
        assert other.entries() == []
        other.close()
    finally:
        arc.close()


def test_a_deeply_nested_manifest_is_refused_clearly(tmp_path):
    bundle = tmp_path / "B"
    bundle.mkdir()
    for depth, said in ((100_000, "nested too deeply"), (200, "nests more than 64 levels")):
        (bundle / "manifest.json").write_text('{"format": 1, "entries": [' + "[" * depth + "]" * depth + "]}")
        _resum(bundle)
        done = run(tmp_path / "other", "archive", "import-bundle", str(bundle))
        assert done.returncode == 2 and said in done.stderr, done.stderr
        assert "unexpected" not in done.stderr.lower() and "Traceback" not in done.stderr


@pytest.mark.skipif(not shutil.which("sha256sum"), reason="needs sha256sum")
def test_sha256sums_covers_the_manifest_and_import_checks_it(tmp_path):
    home = _home_with_entries(tmp_path, "1.0.1", "1.0.2")
    bundle = tmp_path / "B"
    assert run(home, "archive", "export-bundle", str(bundle)).returncode == 0
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=bundle, capture_output=True, text=True)
    assert check.returncode == 0 and "manifest.json: OK" in check.stdout, check.stdout + check.stderr
    assert len(check.stdout.splitlines()) == 3  # both zips and the manifest
    _edit_manifest(bundle, lambda m: m["entries"][0].update(note="forged"))
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=bundle, capture_output=True, text=True)
    assert check.returncode != 0 and "manifest.json: FAILED" in check.stdout
    done = run(tmp_path / "other", "archive", "import-bundle", str(bundle))
    assert done.returncode == 2 and "does not match manifest.json" in done.stderr, done.stderr
    assert (
        not (tmp_path / "other" / "archive" / "index.sqlite").exists()
        or not Archive(tmp_path / "other" / "archive").entries()
    )
    (bundle / "SHA256SUMS").write_text("")
    done = run(tmp_path / "other", "archive", "import-bundle", str(bundle))
    assert done.returncode == 2 and "does not list manifest.json" in done.stderr, done.stderr


def test_export_makes_a_new_folder_and_says_what_is_in_the_way(tmp_path):
    home = _home_with_entries(tmp_path, "1.0.1")
    new = tmp_path / "usb" / "new-bundle"
    done = run(home, "archive", "export-bundle", str(new))
    assert done.returncode == 0 and (new / "SHA256SUMS").is_file(), done.stderr
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "holiday.jpg").write_bytes(b"x")
    done = run(home, "archive", "export-bundle", str(busy))
    assert done.returncode == 2, done.stderr
    assert "holiday.jpg" in done.stderr and "new folder name" in done.stderr
    with pytest.raises(UsageError, match="is a file"):
        arc = Archive(home / "archive")
        try:
            export_bundle(arc, busy / "holiday.jpg", arc.entries(), [])
        finally:
            arc.close()


def test_plan_reads_are_listed_apart_and_pruned_on_their_own_rule(tmp_path):
    home = tmp_path / "home"
    arc = Archive(home / "archive")
    try:
        read = _add(arc, _zip(tmp_path, "p.zip", tag="p"), "plan", note="plan dev -> qa: target")
        _add(arc, _zip(tmp_path, "p2.zip", tag="p"), "plan")  # identical bytes: one file
        kept = _add(arc, _zip(tmp_path, "b.zip", tag="b"), "backup", model=MODEL)
        assert len(list((arc.root / "shop-qa").glob("*.zip"))) == 2
    finally:
        arc.close()
    listed = run(home, "archive", "list")
    assert listed.returncode == 0 and f"#{kept.id}" in listed.stdout and f"#{read.id} " not in listed.stdout
    assert "1 of 3 entries listed; 2 plan reads not listed (--all lists them)" in listed.stderr
    doc = json.loads(run(home, "archive", "list", "--json").stdout)
    assert [e["kind"] for e in doc] == ["backup"]
    everything = json.loads(run(home, "archive", "list", "--all", "--json").stdout)
    assert sorted(e["kind"] for e in everything) == ["backup", "plan", "plan"]
    assert len(json.loads(run(home, "archive", "list", "--kind", "plan", "--json").stdout)) == 2
    young = run(home, "archive", "prune", "--keep", "0", "--days", "0")
    assert young.returncode == 0 and young.stdout.startswith("Removed 0 entries"), young.stdout
    assert "plan reads of the last 7 days" in young.stdout  # the setting's default
    gone = run(home, "archive", "prune", "--keep", "0", "--days", "0", "--plan-days", "0")
    assert gone.returncode == 0 and gone.stdout.startswith("Removed 2 entries"), gone.stdout
    left = json.loads(run(home, "archive", "list", "--all", "--json").stdout)
    assert [e["id"] for e in left] == [kept.id]


def test_an_entry_whose_file_is_gone_is_left_out_of_the_bundle_and_the_others_go(tmp_path):
    home = _home_with_entries(tmp_path, "1.0.1", "1.0.2", "1.0.3")
    arc = Archive(home / "archive")
    try:
        lost = arc.entries()[1]
        arc.path_of(lost).unlink()
    finally:
        arc.close()
    bundle = tmp_path / "B"
    done = run(home, "archive", "export-bundle", str(bundle))
    assert done.returncode == 1 and f"left out: #{lost.id}" in done.stdout, done.stdout + done.stderr
    assert "Wrote 2 entries" in done.stdout
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=bundle, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    imported = run(tmp_path / "other", "archive", "import-bundle", str(bundle), "--json")
    assert imported.returncode == 0 and len(json.loads(imported.stdout)["added"]) == 2


@pytest.mark.parametrize("fails_at", ["second zip", "manifest"])
def test_a_full_disk_during_an_export_leaves_no_bundle_without_its_manifest(tmp_path, monkeypatch, fails_at):
    """ENOSPC from the bundle's folder (a full disk cannot be made on demand here, so the write
    raises it as the kernel would): the export stops, removes what it wrote and says why."""
    import errno

    from app.archive import bundle as bundle_module

    home = _home_with_entries(tmp_path, "1.0.1", "1.0.2", "1.0.3")
    copies: list[Path] = []
    real_copy, real_write = bundle_module.copy_atomically, bundle_module.atomic_write_bytes

    def copy(source: Path, dest: Path) -> None:
        if fails_at == "second zip" and copies:
            dest.write_bytes(b"PK partial")  # as a write cut short would leave it (before its rename)
            raise OSError(errno.ENOSPC, "No space left on device", str(dest))
        copies.append(dest)
        real_copy(source, dest)

    def write(path: Path, data: bytes, mode: int = 0o600) -> None:
        if fails_at == "manifest":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real_write(path, data, mode)

    monkeypatch.setattr(bundle_module, "copy_atomically", copy)
    monkeypatch.setattr(bundle_module, "atomic_write_bytes", write)
    arc = Archive(home / "archive")
    try:
        before = [(e.id, e.sha256) for e in arc.entries()]
        with pytest.raises(UsageError) as refused:
            bundle_module.export_bundle(arc, tmp_path / "B", arc.entries(), [])
        assert "No space left on device" in refused.value.message and "removed" in refused.value.message
        assert [p.name for p in (tmp_path / "B").iterdir()] == [], "nothing of the bundle is left"
        assert [(e.id, e.sha256) for e in arc.entries()] == before
    finally:
        arc.close()
