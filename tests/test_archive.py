"""The archive: atomic entries, verify reporting missing or altered files, import checks, prune."""

from __future__ import annotations

import zipfile

import pytest

from app.archive import Archive
from app.configdoc.zipcheck import check_config_zip
from app.errors import InvalidConfigZip, UsageError
from app.fsutil import atomic_writer
from tests.helpers import MAP_DOC, make_config_zip

APP_DOC = (
    b'<?xml version="1.0" standalone="yes"?>\n<NewDataSet>\n  <Database>\n    <ID>0</ID>\n'
    b"    <ConfigVersion>1.0.3</ConfigVersion>\n  </Database>\n</NewDataSet>\n"
)


@pytest.fixture
def archive(tmp_path):
    arc = Archive(tmp_path / "archive")
    yield arc
    arc.close()


def _good(tmp_path, name="good.zip", same=False):
    """A valid zip; unless *same*, its bytes differ per name (identical bytes are stored once)."""
    doc = APP_DOC if same else APP_DOC.replace(b"</NewDataSet>", f"<!-- {name} --></NewDataSet>".encode())
    return make_config_zip(tmp_path / name, doc, MAP_DOC)


def test_identical_bytes_are_stored_once_and_kept_while_referenced(archive, tmp_path):
    a = archive.import_zip(_good(tmp_path, "a.zip", same=True), profile="qa", base_url="x", app="shop-qa")
    b = archive.import_zip(_good(tmp_path, "b.zip", same=True), profile="qa", base_url="x", app="shop-qa")
    assert a.id != b.id and a.path == b.path
    assert len(list((archive.root / "shop-qa").glob("*.zip"))) == 1
    archive.delete(a.id)
    assert archive.path_of(b).is_file(), "the file stays while another entry holds it"
    archive.delete(b.id)
    assert not archive.path_of(b).exists()


def test_import_keeps_the_bytes_and_indexes_them(archive, tmp_path):
    source = _good(tmp_path)
    entry = archive.import_zip(source, profile="qa", base_url="http://127.0.0.1:1", app="shop-qa")
    assert archive.path_of(entry).read_bytes() == source.read_bytes()
    assert entry.kind == "import" and entry.version == "1.0.3" and entry.size == source.stat().st_size
    assert [e.id for e in archive.entries("qa")] == [entry.id]
    assert archive.entries("qa")[0].as_json(archive.root)["path"].endswith(".zip")


def test_interrupted_write_leaves_no_entry_and_no_file(archive, tmp_path):
    def write(path):
        with atomic_writer(path) as out:
            out.write(b"PK partial")
            raise ConnectionError("dropped")

    with pytest.raises(ConnectionError):
        archive.add_file(write, profile="qa", base_url="x", app="shop-qa", kind="export")
    assert archive.entries() == []
    assert list((archive.root / "shop-qa").iterdir()) == []


def test_verify_reports_missing_and_altered_files(archive, tmp_path):
    a = archive.import_zip(_good(tmp_path, "a.zip"), profile="qa", base_url="x", app="shop-qa")
    b = archive.import_zip(_good(tmp_path, "b.zip"), profile="qa", base_url="x", app="shop-qa")
    c = archive.import_zip(_good(tmp_path, "c.zip"), profile="qa", base_url="x", app="shop-qa")
    archive.path_of(a).unlink()
    with open(archive.path_of(b), "ab") as handle:
        handle.write(b"tampered")
    results = {r.id: r for r in archive.verify()}
    assert not results[a.id].ok and "missing" in results[a.id].problem
    assert not results[b.id].ok and "altered" in results[b.id].problem
    assert results[c.id].ok
    assert {e.id for e in archive.entries()} == {a.id, b.id, c.id}  # reported, never dropped
    assert archive.get(a.id).verified == "missing" and archive.get(b.id).verified == "bad"


def test_prune_keeps_pinned_and_promotion_backups(archive, tmp_path):
    ids = [
        archive.import_zip(_good(tmp_path, f"{i}.zip"), profile="qa", base_url="x", app="shop-qa").id
        for i in range(5)
    ]
    archive.set_pinned(ids[0], True)
    archive.reference(ids[1], 7, "backup")
    removed = archive.prune(keep=1)
    assert sorted(removed) == [ids[2], ids[3]]
    assert {e.id for e in archive.entries()} == {ids[0], ids[1], ids[4]}
    with pytest.raises(UsageError, match="pinned"):
        archive.delete(ids[0])
    with pytest.raises(UsageError, match="backup of a promotion"):
        archive.delete(ids[1])


def _zip(tmp_path, name, entries, compression=zipfile.ZIP_DEFLATED):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for entry, data in entries:
            archive.writestr(entry, data)
    return path


BOMB_XML = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    b"\n<NewDataSet>&lol2;</NewDataSet>"
)
EXTERNAL_XML = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<NewDataSet>&e;</NewDataSet>'


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda t: t / "missing.zip", "Cannot read"),
        (lambda t: ((t / "empty.zip").write_bytes(b"") and t / "empty.zip") or t / "empty.zip", "empty"),
        (lambda t: (t / "text.zip").write_text("hello") and t / "text.zip", "not a zip file"),
        (lambda t: _truncated(t), "not a zip file"),
        (
            lambda t: _zip(t, "up.zip", [("../duradosappsys1", APP_DOC), ("duradosappsys1xml", MAP_DOC)]),
            "climbs out",
        ),
        (
            lambda t: _zip(t, "abs.zip", [("/duradosappsys1", APP_DOC), ("duradosappsys1xml", MAP_DOC)]),
            "absolute",
        ),
        (
            lambda t: _zip(t, "rev.zip", [("duradosappsys1xml", MAP_DOC), ("duradosappsys1", APP_DOC)]),
            "reversed",
        ),
        (lambda t: _zip(t, "one.zip", [("duradosappsys1", APP_DOC)]), "has 1 entry"),
        (
            lambda t: _zip(
                t, "extra.zip", [("duradosappsys1", APP_DOC), ("duradosappsys1xml", MAP_DOC), ("x", b"")]
            ),
            "has 3 entries",
        ),
        (
            lambda t: _zip(
                t,
                "bomb.zip",
                [
                    ("duradosappsys1", APP_DOC[:-14] + b" " * 30_000_000 + b"</NewDataSet>\n"),
                    ("duradosappsys1xml", MAP_DOC),
                ],
            ),
            "zip bomb",
        ),
        (
            lambda t: _zip(t, "laughs.zip", [("duradosappsys1", BOMB_XML), ("duradosappsys1xml", MAP_DOC)]),
            "DTD or entities",
        ),
        (
            lambda t: _zip(t, "ext.zip", [("duradosappsys1", EXTERNAL_XML), ("duradosappsys1xml", MAP_DOC)]),
            "DTD or entities",
        ),
        (
            lambda t: _zip(t, "notds.zip", [("duradosappsys1", b"<html/>"), ("duradosappsys1xml", MAP_DOC)]),
            "not a NewDataSet",
        ),
        (
            lambda t: _zip(
                t,
                "broken.zip",
                [("duradosappsys1", b"<NewDataSet><a></NewDataSet>"), ("duradosappsys1xml", MAP_DOC)],
            ),
            "not well-formed",
        ),
    ],
)
def test_bad_zips_are_refused_with_a_message_naming_the_problem(archive, tmp_path, build, fragment):
    path = build(tmp_path)
    with pytest.raises(InvalidConfigZip, match=fragment):
        check_config_zip(path)
    with pytest.raises(InvalidConfigZip):
        archive.import_zip(path, profile="qa", base_url="x", app="shop-qa")
    assert archive.entries() == []


def test_a_zip_of_twenty_thousand_entries_is_refused_in_one_short_line(tmp_path):
    """Its refusal named every entry: one line of ~200 KB."""
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(20_002):
            archive.writestr(f"entry-{n:05d}-" + "x" * 100, b"")
    with pytest.raises(InvalidConfigZip) as refused:
        check_config_zip(path)
    said = str(refused.value)
    assert "20002 entries" in said and "and 19,997 more" in said and len(said) < 700, said


def test_a_member_larger_than_declared_is_called_damage_or_a_bomb(tmp_path):
    """A member that inflates past the size its zip declares (a damaged zip, as often as a built
    bomb) was refused as "a zip bomb?" alone."""
    import struct

    good = _zip(tmp_path, "good.zip", [("duradosappsys1", APP_DOC * 50), ("duradosappsys1xml", MAP_DOC)])
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.infolist()[0]
    central = data.index(b"PK\x01\x02")  # the first member's entry in the central directory
    struct.pack_into("<I", data, central + 24, info.file_size // 2)  # its declared size, halved
    struct.pack_into("<I", data, info.header_offset + 22, info.file_size // 2)  # (and the local header's)
    bad = tmp_path / "larger.zip"
    bad.write_bytes(bytes(data))
    with pytest.raises(InvalidConfigZip, match="the zip is damaged, or built to expand"):
        check_config_zip(bad)


def _truncated(tmp_path):
    good = _good(tmp_path, "full.zip").read_bytes()
    path = tmp_path / "cut.zip"
    path.write_bytes(good[: len(good) // 2])
    return path


def test_the_real_fixture_passes_the_check(shared_fixtures, tmp_path):
    path = make_config_zip(
        tmp_path / "real.zip",
        (shared_fixtures / "app-config.xml").read_bytes(),
        (shared_fixtures / "map-config.xml").read_bytes(),
        app_id=1,
    )
    info = check_config_zip(path)
    assert info.config_version == "1.0.407" and info.app_id == "1"


def test_the_fast_reader_refuses_dtds_and_non_utf8():
    import io

    from app.configdoc.dataset import read_dataset

    with pytest.raises(InvalidConfigZip, match="DTD or entities"):
        read_dataset(
            io.BytesIO(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><NewDataSet>&a;</NewDataSet>')
        )
    with pytest.raises(InvalidConfigZip, match="not UTF-8"):
        read_dataset(io.BytesIO("<NewDataSet/>".encode("utf-16")))
    with pytest.raises(InvalidConfigZip, match="not well-formed"):
        read_dataset(io.BytesIO(b"<NewDataSet><a></NewDataSet>"))
    data = read_dataset(io.BytesIO(b"\xef\xbb\xbf<NewDataSet><View><Name>x</Name></View></NewDataSet>"))
    assert data.tables == {"View": [{"Name": "x"}]}


def test_a_huge_cell_is_kept_as_its_length_and_hash(tmp_path):
    from app.configdoc.dataset import read_config_zip
    from tests.helpers import big_config_zip

    path = big_config_zip(tmp_path / "big.zip", 3)
    docs = read_config_zip(path)
    code = docs.app.tables["Rule"][0]["Code"]
    assert code.startswith("«3,145,") and "sha256" in code and len(code) < 200
    assert docs.app.tables["Database"][0]["ConfigVersion"] == "2.0.1"


def test_deep_verify_retests_the_zip(archive, tmp_path):
    entry = archive.import_zip(_good(tmp_path), profile="qa", base_url="x", app="shop-qa")
    assert archive.verify([entry.id], deep=True)[0].ok


def test_a_download_is_hashed_once_and_its_digest_is_the_files(ctx, monkeypatch):
    """The archive uses the sha256 the download computed as it wrote (reading 35 MiB again cost
    ~40 ms); the index must still hold the file's true digest."""
    import hashlib

    from app.archive import store
    from app.engine.reads import one_target

    calls: list[object] = []
    real = store.sha256_file
    monkeypatch.setattr(store, "sha256_file", lambda path: calls.append(path) or real(path))
    entry = one_target.export(ctx, ctx.profiles.get("dev"))
    assert calls == []
    assert entry.sha256 == hashlib.sha256(ctx.archive.path_of(entry).read_bytes()).hexdigest()


def test_undo_and_restore_refuse_a_backup_whose_file_no_longer_matches_its_sha256(ctx, control):
    """Another valid zip in place of a backup's file: nothing is sent, the message names the
    entry and `archive verify`, and the target keeps what it holds."""
    import shutil

    from app.engine.gates import Consent
    from app.engine.ops.promote import promote
    from app.engine.ops.restore import restore
    from app.engine.ops.undo import undo
    from app.engine.reads.plan import PromoteOptions

    dev, qa = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    done = promote(ctx, dev, qa, PromoteOptions())
    assert done.ok, done.message
    backup = ctx.archive.get(done.backup_id)
    other = ctx.archive.get(done.export_id)  # dev's export: a valid zip of other bytes
    swapped = ctx.archive.path_of(backup)
    swapped.unlink()  # (it may share its file with another entry: replace, not rewrite)
    shutil.copyfile(ctx.archive.path_of(other), swapped)
    before = control.state("shop-qa")
    result = undo(ctx, done.run_id, Consent(allow_data_loss=True, accept_drift=True, accept_later_writes=True))
    assert not result.ok and result.written == [], result.message
    assert f"#{backup.id}" in result.message and "archive verify" in result.message, result.message
    assert "verified" not in result.message.replace("archive verify", "")
    again = restore(ctx, qa, str(backup.id), Consent(allow_data_loss=True))
    assert not again.ok and again.written == [] and f"#{backup.id}" in again.message, again.message
    after = control.state("shop-qa")
    assert (after["model"], after["stored_version"]) == (before["model"], before["stored_version"])
    assert ctx.archive.get(backup.id).verified == "bad"
