"""Resources are found from a source checkout, an installed wheel and the frozen app; the frozen
bundle (``make package``) passes its smoke run: --version, --self-check with the Secret Service,
the sandbox, a promotion, and the window starting and quitting."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app import assets
from tests.conftest import HAVE_SECRET_SERVICE
from tests.helpers import REPO

BUNDLE = REPO / "dist" / "promoter" / "promoter"


def test_resources_from_the_source_checkout():
    svg = assets.read_bytes("backand-promoter.svg")
    assert svg == (REPO / "resources" / "backand-promoter.svg").read_bytes()
    assert len(assets.icon_files()) == 8 and all(f.is_file() for f in assets.icon_files())
    assert b"Exec=promoter gui" in assets.read_bytes("backand-promoter.desktop")
    assert assets.read_bytes("README.md") == (REPO / "README.md").read_bytes()  # the user guide


def test_resources_from_an_installed_wheel(tmp_path):
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(tmp_path.glob("backand_promoter-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert (
        "app/resources/backand-promoter.svg" in names
        and "app/resources/icons/backand-promoter-512.png" in names
        and "app/resources/README.md" in names  # the user guide, shown by Help → User guide
    )
    assert "app/cli/main.py" in names and "app/gui/main_window.py" in names  # every package, not only top
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import app, app.assets as a; print(app.__file__); print(len(a.read_bytes('backand-promoter.svg')))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)},
    )
    where, size = probe.stdout.split()
    assert where.startswith(str(target)) and int(size) == len(assets.read_bytes("backand-promoter.svg"))


@pytest.fixture(scope="module")
def bundle():
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    built = subprocess.run(
        ["make", "package"], cwd=REPO, capture_output=True, text=True, timeout=1800, check=False
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert BUNDLE.exists()
    return BUNDLE


def frozen(
    home: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None, timeout: float = 120
):
    return subprocess.run(
        [str(BUNDLE), "--home", str(home), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_bundle_stays_small(bundle):
    """100 MiB is the target (docs/bundle-size.md has the figure and what bought it); a generous
    bound here catches a regression such as a theme plugin pulling GTK back in."""
    size = sum(f.stat().st_size for f in BUNDLE.parent.rglob("*") if f.is_file() and not f.is_symlink())
    assert size < 110 * 1024 * 1024, f"the bundle is {size / 1048576:.1f} MiB"


def test_frozen_version_and_self_check(bundle, tmp_path):
    version = frozen(tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.startswith("promoter ")
    check = frozen(tmp_path, "--self-check", env={"QT_QPA_PLATFORM": "offscreen"})
    assert "(frozen)" in check.stdout and "Qt platform plugin: offscreen" in check.stdout
    assert "resources: 8 icon sizes" in check.stdout
    # the bundle's ICU data is trimmed: collation and case mapping must still be right
    assert "text: collation and case mapping of non-ASCII names (Straße, İstanbul, ﬁ, Ö): ok" in check.stdout
    if HAVE_SECRET_SERVICE:
        assert check.returncode == 0, check.stdout + check.stderr
        assert "keyring backend: keyring.backends.SecretService.Keyring" in check.stdout
        assert "stores and gives back a test secret: yes" in check.stdout
    else:
        assert (
            "fail" not in check.stdout.split("keyring backend:")[1].splitlines()[0] or check.returncode == 1
        )


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_frozen_sandbox_and_promotion(bundle, tmp_path):
    if not HAVE_SECRET_SERVICE:
        pytest.skip(
            "the frozen CLI keeps secrets only in a real keyring (run under tests/tools/with-keyring.sh)"
        )
    home = tmp_path / "home"
    server = subprocess.Popen(
        [str(BUNDLE), "--home", str(tmp_path / "sb"), "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = [server.stdout.readline() for _ in range(9)]
        url = banner[0].strip().removeprefix("Sandbox listening on ")
        assert url.startswith("http://127.0.0.1:")
        keys = {
            m.group(1): f"{m.group(2)}:{m.group(3)}"
            for m in (re.match(r"\s+(\S+)\s+\S+\s+master (\S+)\s+user (\S+)", line) for line in banner)
            if m
        }
        for name, app, stage in (("dev", "shop-dev", "1"), ("qa", "shop-qa", "2")):
            assert (
                frozen(
                    home,
                    "profile",
                    "add",
                    name,
                    "--url",
                    url,
                    "--app",
                    app,
                    "--auth",
                    "keys",
                    "--stage",
                    stage,
                ).returncode
                == 0
            )
            assert frozen(home, "secret", "set", name, stdin=keys[app] + "\n").returncode == 0
        result = frozen(home, "promote", "dev", "qa", "--yes", "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["status"] == "succeeded"
    finally:
        server.terminate()
        server.wait(timeout=10)
        for stream in (server.stdout, server.stderr):
            if stream:
                stream.close()
        from app.profiles import ProfileStore
        from app.secrets import SecretStore

        for profile in ProfileStore(home / "profiles.json").load():
            SecretStore().delete(profile)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_frozen_window_starts_and_quits(bundle, tmp_path):
    result = frozen(tmp_path, "gui", "--quit-after", "1", env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    if shutil.which("Xvfb"):
        display = ":97"
        xvfb = subprocess.Popen(
            ["Xvfb", display, "-screen", "0", "1280x800x24"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            import time

            deadline = time.monotonic() + 10
            while not Path(f"/tmp/.X11-unix/X{display[1:]}").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
            shown = subprocess.run(
                [str(BUNDLE), "--home", str(tmp_path), "gui", "--quit-after", "1"],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
                env={**env, "DISPLAY": display},
            )
            assert shown.returncode == 0, shown.stderr
        finally:
            xvfb.terminate()
            xvfb.wait(timeout=10)
