"""Bad input from the user, the disk or the server: a message that names the problem, exit 2, no
traceback, nothing written. (The large corpus of bad zips and models is tests/test_corpus.py.)"""

from __future__ import annotations

import json
import zipfile

import pytest

from app.backand import errors
from tests.helpers import MAP_DOC, make_config_zip
from tests.test_cli import run

APP_DOC = (
    b'<?xml version="1.0" standalone="yes"?>\n<NewDataSet>\n  <Database>\n    <ID>0</ID>\n'
    b"    <ConfigVersion>1.0.3</ConfigVersion>\n  </Database>\n</NewDataSet>\n"
)


def refused(result, fragment, code=2):
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr


@pytest.mark.parametrize("name", ["qa\n", "q\ta", "qa\x1b[31m", ".hidden", "a" * 41, "qa/x"])
def test_profile_names_outside_the_documented_set_are_refused(tmp_path, name):
    refused(
        run(tmp_path, "profile", "add", name, "--url", "http://127.0.0.1:1", "--app", "a", "--auth", "token"),
        "use letters, digits",
    )
    assert not (tmp_path / "profiles.json").exists()


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("allow_insecure_http", "false", "true or false"),
        ("protected", 1, "true or false"),
        ("stage", True, "a whole number"),
        ("stage", "2", "a whole number"),
        ("username", 7, "a string or null"),
    ],
)
def test_profile_files_are_typed_strictly(tmp_path, field, value, expected):
    profile = {
        "name": "qa",
        "base_url": "http://127.0.0.1:1",
        "app": "shop-qa",
        "auth": "token",
        field: value,
    }
    (tmp_path / "profiles.json").write_text(json.dumps({"schema_version": 1, "profiles": [profile]}))
    refused(run(tmp_path, "profile", "list"), f"has {field} = ")
    assert expected in run(tmp_path, "profile", "list").stderr


def test_a_profile_file_listing_a_name_twice_is_refused(tmp_path):
    """A hand-edited copy of dev pointing at another app: two dev rows were listed, login signed in
    one, backup --all failed the other with advice that could never work, and remove removed both."""
    dev = {"name": "dev", "base_url": "http://127.0.0.1:1", "app": "shop-dev", "auth": "token", "id": "a" * 16}
    other = {**dev, "app": "shop-prod", "id": "b" * 16}
    text = json.dumps({"schema_version": 1, "profiles": [dev, other]})
    (tmp_path / "profiles.json").write_text(text)
    for args in (("profile", "list"), ("backup", "--all"), ("profile", "remove", "dev")):
        refused(run(tmp_path, *args), "profile dev is listed more than once")
    assert (tmp_path / "profiles.json").read_text() == text


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999", "http://[::1", "http://127.0.0.1:1/?x=1#frag"])
def test_a_url_that_cannot_be_a_base_url_is_refused_when_added_and_when_read(tmp_path, url):
    refused(run(tmp_path, "profile", "add", "qa", "--url", url, "--app", "a", "--auth", "token"), "Base URL")
    assert not (tmp_path / "profiles.json").exists()
    profile = {"name": "qa", "base_url": url, "app": "shop-qa", "auth": "token", "id": "c" * 16}
    (tmp_path / "profiles.json").write_text(json.dumps({"schema_version": 1, "profiles": [profile]}))
    refused(run(tmp_path, "profile", "list"), f"The profile file {tmp_path / 'profiles.json'}: Profile qa: Base URL")


def test_a_url_with_spaces_around_it_is_saved_without_them(tmp_path):
    done = run(tmp_path, "profile", "add", "qa", "--url", " http://127.0.0.1:1 ", "--app", "a", "--auth", "token")
    assert done.returncode == 0, done.stderr
    saved = json.loads((tmp_path / "profiles.json").read_text())["profiles"][0]
    assert saved["base_url"] == "http://127.0.0.1:1"


def test_a_model_file_nested_too_deeply(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    refused(run(tmp_path, "model", "validate", "qa", str(deep)), "nested too deeply")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[1, 2]", "object number 1 is a number"),
        ('[{"name": "a", "fields": {}}, null]', "object number 2 is null"),
        ('["a"]', "object number 1 is a string"),
        ('[{"name": {"a": 1}, "fields": {}}]', "object number 1 has no name"),
        ('[{"name": "a", "fields": [1]}]', "the fields of 'a' are an array, not an object"),
        ('[{"name": "orders\\ud800", "fields": {}}]', "holds \\ud800, half of a character"),
        ('[{"name": "a", "fields": {"n": {"type": "float", "default": NaN}}}]', "NaN or Infinity"),
    ],
)
def test_a_model_file_of_other_things_than_objects_is_named(tmp_path, text, said):
    """Each was an "unexpected error" (AttributeError, TypeError) in model validate, model apply and
    restore --model; with --yes it was a failed run in history. (The shape check is the one a
    server's answer and a bundle's model get: ``modelcheck.model_shape_problem``.)"""
    model = tmp_path / "m.json"
    model.write_text(text)
    refused(run(tmp_path, "model", "validate", "qa", str(model)), said)
    refused(run(tmp_path, "model", "apply", "qa", str(model), "--dry-run"), said)


def _profile(tmp_path):
    assert (
        run(
            tmp_path,
            "profile",
            "add",
            "qa",
            "--url",
            "http://127.0.0.1:1",
            "--app",
            "shop-qa",
            "--auth",
            "token",
        ).returncode
        == 0
    )


def test_damaged_history_and_archive_index_are_named_and_nothing_else_is_touched(tmp_path):
    _profile(tmp_path)
    (tmp_path / "history.sqlite").write_bytes(b"this is not a database, it was damaged" * 100)
    refused(run(tmp_path, "history"), "history.sqlite is damaged")
    assert "Move it aside" in run(tmp_path, "history").stderr
    assert run(tmp_path, "profile", "list").returncode == 0, "commands that do not need it still work"
    (tmp_path / "archive").mkdir(exist_ok=True)
    (tmp_path / "archive" / "index.sqlite").write_bytes(b"garbage" * 1000)
    refused(run(tmp_path, "archive", "list"), "index.sqlite is damaged")
    assert (tmp_path / "archive" / "index.sqlite").read_bytes() == b"garbage" * 1000


def test_a_utf16_document_is_refused_before_anything_is_archived(tmp_path):
    _profile(tmp_path)
    utf16 = APP_DOC.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")
    bad = make_config_zip(tmp_path / "utf16.zip", utf16, MAP_DOC)
    refused(run(tmp_path, "archive", "import", str(bad), "--profile", "qa"), "UTF-16")
    latin = make_config_zip(
        tmp_path / "latin.zip",
        APP_DOC.replace(b'version="1.0"', b'version="1.0" encoding="ISO-8859-1"'),
        MAP_DOC,
    )
    refused(run(tmp_path, "archive", "import", str(latin), "--profile", "qa"), "ISO-8859-1")
    assert json.loads(run(tmp_path, "archive", "list", "--json").stdout) == []


def test_corrupt_deflate_data_is_a_damaged_zip(tmp_path):
    _profile(tmp_path)
    good = make_config_zip(tmp_path / "good.zip", APP_DOC * 1, MAP_DOC)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.infolist()[0]
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 2, start + info.compress_size - 2):
        data[i] ^= 0x5A
    bad = tmp_path / "corrupt.zip"
    bad.write_bytes(bytes(data))
    result = run(tmp_path, "archive", "import", str(bad), "--profile", "qa")
    refused(result, "corrupt.zip")
    assert json.loads(run(tmp_path, "archive", "list", "--json").stdout) == []


def test_a_server_reply_nested_too_deeply(control, client_for):
    qa = client_for("shop-qa")
    control.fault(
        path="/1/model", method="GET", app="shop-qa", status=200, body="[" * 100_000 + "]" * 100_000
    )
    with pytest.raises(errors.ProtocolError, match="nested too deeply"):
        qa.get_model()


def test_a_nonsense_keyring_backend_is_named(tmp_path, monkeypatch):
    _profile(tmp_path)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "nonsense.Backend")
    refused(run(tmp_path, "check", "qa"), "'nonsense.Backend' cannot be loaded")


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"object": ["orders"]}, "'object' must be a name, not a list"),
        ({"collection": {"x": 1}, "via": "a"}, "'collection' must be a name, not a dict"),
        ({"type": ["string"]}, "'type' must be a name, not a list"),
    ],
)
def test_a_relation_given_as_a_list_is_an_invalid_model(spec, fragment):
    from app.modelcheck import schema_errors

    errors_found = schema_errors([{"name": "items", "fields": {"order": spec}}])
    assert any(fragment in e for e in errors_found), errors_found


def test_a_home_where_no_log_file_can_be_written_still_reads(tmp_path):
    """The log folder cannot be made (a file is in its place, as on a read-only or broken home):
    read-only commands still work, with a warning, and logging goes to standard error."""
    _profile(tmp_path)
    import shutil

    shutil.rmtree(tmp_path / "logs")
    (tmp_path / "logs").write_text("not a folder")
    listing = run(tmp_path, "profile", "list")
    assert listing.returncode == 0 and "qa" in listing.stdout
    assert "cannot write under" in listing.stderr and "Traceback" not in listing.stderr
