"""What a second adversarial review found, each as a test: a redirect that smuggles the host, an
endless error body on a download, hostile bundle manifests, echoed secrets in fields, a backup whose
server sends unprintable text."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from app.archive import Archive
from app.archive.bundle import export_bundle, import_bundle
from app.backand import BackandClient, BearerCredentials, KeyCredentials, Timeouts, errors
from app.errors import UsageError
from tests.helpers import MAP_DOC, make_config_zip
from tests.hostile_server import hostile

APP_DOC = (
    b'<?xml version="1.0" standalone="yes"?>\n<NewDataSet>\n  <Database>\n    <ID>0</ID>\n'
    b"    <ConfigVersion>1.0.3</ConfigVersion>\n  </Database>\n</NewDataSet>\n"
)


def test_a_redirect_cannot_smuggle_the_credentials_to_another_host():
    with hostile("record") as thief:
        stolen = hostile.received  # type: ignore[attr-defined]
        port = thief.rsplit(":", 1)[1]
        with hostile("redirect", location="/placeholder") as url:
            trap = f"http://127.0.0.2:{port}\\@127.0.0.1:{url.rsplit(':', 1)[1]}/steal"
        with hostile("redirect", location=trap) as url:
            client = BackandClient(url, "shop-qa", BearerCredentials("the-real-bearer-token-123"), retries=0)
            with pytest.raises(errors.ProtocolError, match="refused"):
                client.get_model()
        assert stolen == [], "the other host was never contacted"


def test_an_endless_error_body_on_a_download_is_capped(tmp_path):
    with hostile("endless-body", status="500 Internal Server Error", ctype="text/plain") as url:
        client = BackandClient(
            url, "shop-qa", BearerCredentials("t0ken-for-tests"), timeouts=Timeouts(2, 2, 20), retries=0
        )
        with pytest.raises(errors.ServerError):
            client.download_config(tmp_path / "c.zip")


def _bundle(tmp_path, name="bundle"):
    archive = Archive(tmp_path / "src-archive")
    for i in range(2):
        doc = APP_DOC.replace(b"</NewDataSet>", f"<!-- {i} --></NewDataSet>".encode())
        archive.import_zip(
            make_config_zip(tmp_path / f"{i}.zip", doc, MAP_DOC), profile="qa", base_url="x", app="shop-qa"
        )
    folder = tmp_path / name
    export_bundle(archive, folder, archive.entries()[::-1], [])
    archive.close()
    return folder


def _edit(folder, change, resum=True):
    """Change the manifest's entries; with *resum*, write SHA256SUMS to match, as a forger would."""
    from app.fsutil import sha256_file

    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest["entries"])
    (folder / "manifest.json").write_text(json.dumps(manifest))
    if resum:
        names = sorted(p.name for p in folder.iterdir() if p.name != "SHA256SUMS")
        (folder / "SHA256SUMS").write_text("".join(f"{sha256_file(folder / n)}  {n}\n" for n in names))


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda e: e[1].update(app="../../OUTSIDE/planted"), "not a Backand app name"),
        (lambda e: e[1].update(app="/abs/path"), "not a Backand app name"),
        (lambda e: e[1].update(file="../escape.zip"), "not a plain zip name"),
        (lambda e: e[1].update(created_at_epoch=float("nan")), "not a past time"),
        (lambda e: e[1].update(created_at_epoch=4102444800.0, kind="backup"), "not a past time"),
        (lambda e: e[1].update(created_at_epoch="yesterday"), "not a past time"),
        (lambda e: e[1].update(kind="secret"), "unknown"),
    ],
)
def test_a_hostile_manifest_entry_is_refused_and_nothing_escapes(tmp_path, change, fragment):
    folder = _bundle(tmp_path)
    _edit(folder, change, resum=False)  # edited after the sums were written: refused whole
    target = Archive(tmp_path / "target")
    with pytest.raises(UsageError, match="does not match manifest.json"):
        import_bundle(target, folder)
    assert target.entries() == []
    _edit(folder, lambda e: None)  # a forger who writes the sums too: that entry is refused, named
    report = import_bundle(target, folder)
    assert len(report.refused) == 1 and fragment in report.refused[0], report.refused
    assert len(report.added) == 1 and not (tmp_path / "OUTSIDE").exists()
    assert {e.app for e in target.entries()} == {"shop-qa"}
    target.close()


def test_a_symlinked_or_invalid_zip_in_a_bundle_is_refused(tmp_path):
    folder = _bundle(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    second = folder / manifest["entries"][1]["file"]
    outside = tmp_path / "outside.zip"
    shutil.move(second, outside)
    os.symlink(outside, second)
    target = Archive(tmp_path / "target")
    report = import_bundle(target, folder)
    assert len(report.refused) == 1 and "is a link" in report.refused[0]
    exported = manifest["entries"][1]["id"]
    assert report.refused[0].startswith(f"manifest entry 2 (#{exported} where it was exported): "), report.refused
    assert len(report.added) == 1, "the good entry still comes in"
    second.unlink()
    second.write_bytes(b"PK\x03\x04 not really a zip")
    from app.fsutil import sha256_file

    _edit(folder, lambda e: e[1].update(sha256=sha256_file(second)))
    report = import_bundle(target, folder)
    assert len(report.refused) == 1 and "not a zip" in report.refused[0], report.refused
    assert len(target.entries()) == 1 and report.already, "the good entry is not added twice"
    target.close()


def test_the_base64_of_the_keys_is_redacted_too():
    from app import logs

    creds = KeyCredentials("master-key-abcdef", "user-key-123456")
    BackandClient("http://127.0.0.1:9", "shop-qa", creds)
    header = creds.header().split(" ", 1)[1]
    assert header not in logs.redact(f"echo: {header}")


def test_printed_json_is_redacted(capsys):
    from app import logs
    from app.cli.output import print_json

    logs.register_secret("a-token-shown-as-a-title-123")
    print_json({"title": "bearer a-token-shown-as-a-title-123", "role": "a-token-shown-as-a-title-123"})
    out = capsys.readouterr().out
    assert "a-token-shown-as-a-title-123" not in out


def test_redaction_never_breaks_what_history_stores(tmp_path):
    """A setting named like a secret (UseRefreshToken) must not be taken for one and cut the JSON."""
    from app import logs
    from app.engine.history import History

    logs.register_secret("a-real-token-value-42")
    history = History(tmp_path / "history.sqlite")
    run = history.start("promote", "dev", "qa")
    plan = {"details": {"UseRefreshToken": ["true", None], "note": "token a-real-token-value-42"}}
    history.finish(run, "succeeded", "ok", plan, [{"name": "Verify", "message": "password: hunter22"}], {})
    stored = history.get(run)
    assert stored.plan["details"]["UseRefreshToken"] == ["true", None]
    assert "a-real-token-value-42" not in str(stored.plan) and "hunter22" not in str(stored.steps)
    history.close()


def test_a_long_text_is_redacted_as_each_of_its_pieces_would_be():
    """A plan printed as JSON is megabytes: redaction looks for the patterns' words and tries the
    patterns only there. Whatever each piece loses on its own, the whole loses too."""
    from app import logs

    pieces = [
        "Authorization: Basic c2VjcmV0OnNlY3JldA==",
        'password="hunter22"',
        "BEARER eyJhbGciOiJIUzI1NiJ9.payload",
        "masterToken: 0f3a9c1e-77aa-4b1e-9d0e-abcdef012345",
        "refresh_token=abc123def456&x=1",
        "basic short",  # under 8 characters: not a credential
        "a UseRefreshToken setting, true",
    ]
    filler = ' {"name": "orders", "ID": 12, "code": "return x;"}, ' * 2_000
    text = filler.join(pieces) + filler
    redacted = logs.redact(text)
    for piece in pieces:
        assert logs.redact(piece) in redacted
    for secret in ("c2VjcmV0OnNlY3JldA", "hunter22", "eyJhbGciOiJIUzI1NiJ9", "0f3a9c1e", "abc123def456"):
        assert secret not in redacted
    assert "basic short" in redacted and redacted.count(filler) == len(pieces)
