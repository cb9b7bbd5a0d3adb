"""Releases in the engine against the sandbox: the Overview says which release each environment
holds, a release travels through a bundle and comes back as a release, and a release whose zip no
longer matches its sha256 is refused with nothing written."""

from __future__ import annotations

import pytest

from app.archive import releases
from app.archive.bundle import export_bundle, import_bundle
from app.archive.store import Archive
from app.engine.ops.promote import promote
from app.engine.reads import releases as engine_releases
from app.engine.reads.overview import read_overview
from app.engine.reads.plan import PromoteOptions
from app.errors import UsageError
from tests.helpers import edit_config

ORIGINAL = "return {sent: true, to: user.email};"


def _console_edit(doc: str) -> str:
    return doc.replace(ORIGINAL, "return {sent: true, to: 'console'};")


def _promote_release(ctx, name, target="prod"):
    source, archived = engine_releases.source_of(ctx, name)
    options = PromoteOptions(yes=True, confirm=target)
    return promote(ctx, source, ctx.profiles.get(target), options, archived=archived)


def _held(ctx) -> dict[str, list[str]]:
    return {s.name: s.releases for s in read_overview(ctx, full=True).stations}


def test_the_overview_says_which_release_each_environment_holds(ctx, sandbox, tmp_path):
    qa = ctx.profiles.get("qa")
    assert promote(ctx, ctx.profiles.get("dev"), qa, PromoteOptions(yes=True)).ok
    release = engine_releases.create(ctx, qa, "1.0", "signed off")
    assert release.verified and release.source == "qa"
    # dev holds the same model and configuration since dev -> qa: it holds the release too
    assert _held(ctx) == {"dev": ["1.0"], "qa": ["1.0"], "prod": []}

    result = _promote_release(ctx, "1.0")
    assert result.ok, result.message
    assert result.source == "release 1.0" and result.plan["release"] == "1.0"
    assert _held(ctx) == {"dev": ["1.0"], "qa": ["1.0"], "prod": ["1.0"]}

    edit_config(sandbox.url, "shop-qa", _console_edit, tmp_path)
    assert _held(ctx) == {"dev": ["1.0"], "qa": [], "prod": ["1.0"]}  # qa moved on; prod still holds it
    taken = engine_releases.create(ctx, qa, "1.1")
    assert not taken.verified and "qa changed since run #" in taken.state


def test_a_release_goes_through_a_bundle_and_comes_back_as_a_release(ctx, tmp_path):
    release = engine_releases.create(ctx, ctx.profiles.get("qa"), "2.0", "for the auditors")
    bundle = tmp_path / "bundle"
    export_bundle(ctx.archive, bundle, ctx.archive.entries(), [])

    other = Archive(tmp_path / "other-archive")
    try:
        report = import_bundle(other, bundle)
        assert not report.refused, report.refused
        back = releases.get(other, "2.0")
        assert back.info() == release.info()
        entry = other.get(back.entry_id)
        assert (
            entry.kind == "release"
            and entry.pinned
            and entry.sha256 == ctx.archive.get(release.entry_id).sha256
        )
        again = import_bundle(other, bundle)
        assert (
            again.added == [] and not again.refused and [r.name for r in releases.releases(other)] == ["2.0"]
        )
    finally:
        other.close()

    # a release of that name here already, another entry: that entry is refused, named; the rest come in
    third = Archive(tmp_path / "third-archive")
    try:
        report = import_bundle(ctx_archive_with(third, tmp_path), bundle)
        assert any("release 2.0 exists here already" in line for line in report.refused), report.refused
        assert releases.get(third, "2.0").note == "another"
    finally:
        third.close()


def ctx_archive_with(archive: Archive, tmp_path) -> Archive:
    """*archive* holding a release named 2.0 of its own (another zip)."""
    import functools

    from app.fsutil import copy_atomically
    from tests.helpers import MAP_DOC, make_config_zip

    doc = b'<?xml version="1.0" standalone="yes"?>\n<NewDataSet>\n  <Database>\n    <ID>0</ID>\n  </Database>\n</NewDataSet>\n'
    path = make_config_zip(tmp_path / "own.zip", doc, MAP_DOC)
    entry = archive.add_file(
        functools.partial(copy_atomically, path),
        profile="qa",
        base_url="http://127.0.0.1:1",
        app="shop-qa",
        kind="release",
        model=[{"name": "items", "fields": {}}],
    )
    mine = releases.Release(
        "2.0",
        entry.id,
        "qa",
        "http://127.0.0.1:1",
        "shop-qa",
        2,
        entry.created_at,
        "me",
        "another",
        "f",
        "d",
        False,
        "never written",
    )
    releases.save(archive, mine)
    return archive


def test_a_release_whose_zip_fails_its_check_is_refused(ctx):
    qa = ctx.profiles.get("qa")
    release = engine_releases.create(ctx, qa, "3.0")
    path = ctx.archive.path_of(ctx.archive.get(release.entry_id))
    path.write_bytes(path.read_bytes() + b"tampered")
    result = _promote_release(ctx, "3.0")
    assert not result.ok and result.written == []
    assert f"archive entry #{release.entry_id} no longer matches the sha256" in result.message

    with pytest.raises(UsageError, match="is release 3.0; remove it with `release remove 3.0`"):
        ctx.archive.delete(release.entry_id)


def test_an_unverified_release_into_a_protected_target_needs_the_same_consent(ctx, sandbox, tmp_path):
    """Attack finding: a release taken from a state the promoter had not verified went into protected
    prod without the unverified-source consent that `promote qa prod` asks for."""
    from dataclasses import replace

    from app.engine.gates import Gate

    qa = ctx.profiles.get("qa")  # never written by the promoter: no verified state to compare with
    release = engine_releases.create(ctx, qa, "4.0")
    assert not release.verified
    refused = _promote_release(ctx, "4.0")
    assert refused.status == "refused" and Gate.UNVERIFIED_SOURCE in [r.gate for r in refused.refusals]
    source, archived = engine_releases.source_of(ctx, "4.0")
    options = replace(PromoteOptions(yes=True, confirm="prod"), accept_unverified_source=True)
    done = promote(ctx, source, ctx.profiles.get("prod"), options, archived=archived)
    assert done.status == "succeeded", done.message


def test_a_release_rewritten_with_its_sha256_is_refused(ctx):
    """Attack finding: a release's zip rewritten together with its sha256 in the index passed; the
    fingerprint and model recorded when it was taken are checked before it is promoted."""
    import sqlite3
    import zipfile

    from app.fsutil import sha256_file

    qa = ctx.profiles.get("qa")
    release = engine_releases.create(ctx, qa, "5.0")
    entry = ctx.archive.get(release.entry_id)
    path = ctx.archive.path_of(entry)
    with zipfile.ZipFile(path) as old:
        names = old.namelist()
        docs = {n: old.read(n) for n in names}
    first = names[0]
    docs[first] = docs[first].replace(ORIGINAL.encode(), b"return {sent: false};")
    assert docs[first] != zipfile.ZipFile(path).read(first)
    path.unlink()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name in names:
            new.writestr(name, docs[name])
    db = sqlite3.connect(ctx.archive.root / "index.sqlite")
    db.execute("UPDATE entries SET sha256=?, size=? WHERE id=?", (sha256_file(path), path.stat().st_size, entry.id))
    db.commit()
    db.close()
    result = _promote_release(ctx, "5.0")
    assert not result.ok and result.written == []
    assert "no longer holds what was taken" in result.message, result.message
