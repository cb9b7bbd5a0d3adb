"""Every bad input of tests/corpus/ gets a clear message, exit status 2 or 3, no traceback, and
nothing is written (no archive entry, the target unchanged)."""

from __future__ import annotations

import shutil

import pytest

from app.sandbox import seed
from tests.conftest import HAVE_SECRET_SERVICE
from tests.corpus import make_corpus
from tests.test_cli import run

pytestmark = pytest.mark.skipif(
    not HAVE_SECRET_SERVICE,
    reason="the CLI keeps secrets only in a real keyring; "
    "run under tests/tools/with-keyring.sh (make test does)",
)
CORPUS = make_corpus.HERE


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    return make_corpus.build_large(tmp_path_factory.mktemp("large-corpus"))


@pytest.fixture
def home(tmp_path, sandbox):
    home = tmp_path / "home"
    keys = {r["app"]: f"{r['master_token']}:{r['user_token']}" for r in seed.credentials(sandbox.store)}
    assert (
        run(
            home,
            "profile",
            "add",
            "qa",
            "--url",
            sandbox.url,
            "--app",
            "shop-qa",
            "--auth",
            "keys",
            "--stage",
            "2",
        ).returncode
        == 0
    )
    assert run(home, "secret", "set", "qa", stdin=keys["shop-qa"] + "\n").returncode == 0
    yield home
    from app.profiles import ProfileStore
    from app.secrets import SecretStore

    for profile in ProfileStore(home / "profiles.json").load():
        SecretStore().delete(profile)


def assert_refused(result, fragment, codes=(2,)):
    assert result.returncode in codes, (result.returncode, result.stdout, result.stderr)
    assert fragment in result.stderr + result.stdout, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def nothing_written(home, control, before):
    assert run(home, "archive", "list", "--json").stdout.strip() == "[]"
    assert not [p for p in (home / "archive").rglob("*.zip")]
    after = control.state("shop-qa")
    assert after["model"] == before["model"] and after["stored_version"] == before["stored_version"]
    assert after["versions"] == before["versions"]


ZIP_CASES = sorted(make_corpus.ZIPS)


@pytest.mark.parametrize("name", ZIP_CASES)
def test_bad_zip(name, home, control):
    before = control.state("shop-qa")
    fragment = make_corpus.ZIPS[name][1]
    path = CORPUS / name
    assert_refused(run(home, "archive", "import", str(path), "--profile", "qa"), fragment)
    assert_refused(run(home, "restore", "qa", str(path), "--yes"), fragment)
    nothing_written(home, control, before)


@pytest.mark.parametrize("name", ["sixty-mib.zip", "zip-bomb.zip"])
def test_large_bad_zip(name, home, control, large):
    before = control.state("shop-qa")
    path, fragment = large[name]
    assert_refused(run(home, "restore", "qa", str(path), "--yes"), fragment)
    if name == "zip-bomb.zip":
        assert_refused(run(home, "archive", "import", str(path), "--profile", "qa"), fragment)
    nothing_written(home, control, before)


@pytest.mark.parametrize("name", sorted(make_corpus.MODELS))
def test_bad_model(name, home, control):
    before = control.state("shop-qa")
    _content, fragment, code = make_corpus.MODELS[name]
    assert_refused(run(home, "model", "apply", "qa", str(CORPUS / name), "--yes"), fragment, (code,))
    nothing_written(home, control, before)


def test_ten_thousand_objects(home, control, large):
    before = control.state("shop-qa")
    path, fragment = large["model-ten-thousand.json"]
    assert_refused(run(home, "model", "apply", "qa", str(path), "--yes"), fragment)
    nothing_written(home, control, before)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("profiles-corrupted.json", "corrupted"), ("profiles-newer.json", "schema version 7")],
)
def test_bad_profile_file(name, fragment, tmp_path):
    home = tmp_path / "h"
    home.mkdir()
    shutil.copyfile(CORPUS / name, home / "profiles.json")
    assert_refused(run(home, "profile", "list"), fragment)
    assert (home / "profiles.json").read_bytes() == (CORPUS / name).read_bytes()


@pytest.mark.parametrize(
    ("fault", "fragment"),
    [
        (
            {"status": 502, "body": "<html><body><h1>502 Bad Gateway</h1></body></html>", "times": 5},
            "HTML page",
        ),
        ({"status": 200, "body": "{not json"}, "not valid JSON"),
        ({"status": 200, "body": "plain words", "content_type": "text/plain"}, "content type text/plain"),
        ({"redirect": "https://elsewhere.example/1/app/versions"}, "redirected to another host"),
    ],
)
def test_a_server_that_does_not_answer_like_backand(fault, fragment, home, control):
    control.fault(path="/1/app/versions", **fault)
    assert_refused(run(home, "check", "qa"), fragment)


@pytest.mark.parametrize(
    ("backend", "fragment"),
    [
        ("keyring.backends.fail.Keyring", "No usable keyring"),
        ("tests.corpus.raising_keyring.RaisingKeyring", "RuntimeError"),
    ],
)
def test_a_missing_or_raising_keyring(backend, fragment, home, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    result = run(home, "check", "qa")
    assert_refused(result, fragment)
    assert "keyring" in result.stderr.lower()


def test_a_secret_echoed_by_the_server_reaches_no_output_or_store(home, control, sandbox):
    """A server (or a proxy) that echoes the keys, a bearer token and the /token form back in its
    errors: nothing the CLI prints, nor history, nor any file under the home keeps them."""
    row = {r["app"]: r for r in seed.credentials(sandbox.store)}["shop-qa"]
    secrets = [row["master_token"], row["user_token"]]
    echo = (
        f"rejected: MasterToken={row['master_token']} UserToken={row['user_token']} "
        f"Authorization: Basic {row['master_token']}:{row['user_token']} bearer {row['user_token']}"
    )
    control.fault(path="/1/app/versions", app="shop-qa", status=500, body=echo, times=2)
    outputs = [run(home, "versions", "qa"), run(home, "versions", "qa", "--json")]
    control.fault(path="/1/app/reload", app="shop-qa", status=500, body=echo)
    assert (
        run(
            home,
            "profile",
            "add",
            "dev",
            "--url",
            sandbox.url,
            "--app",
            "shop-dev",
            "--auth",
            "keys",
            "--stage",
            "1",
        ).returncode
        == 0
    )
    dev = {r["app"]: r for r in seed.credentials(sandbox.store)}["shop-dev"]
    assert (
        run(home, "secret", "set", "dev", stdin=f"{dev['master_token']}:{dev['user_token']}\n").returncode
        == 0
    )
    promoted = run(home, "promote", "dev", "qa", "--yes", "--json")
    assert promoted.returncode == 1 and '"rolled_back"' in promoted.stdout
    outputs += [promoted, run(home, "history", "--json")]
    for out in outputs:
        for secret in secrets:
            assert secret not in out.stdout + out.stderr, out.args
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, f"a secret is in {path}"
