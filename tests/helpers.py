"""Test helpers: the sandbox's control endpoints, config zips made at test time, a subprocess sandbox."""

from __future__ import annotations

import os
import random
import string
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import requests

if TYPE_CHECKING:
    from app.backand import BackandClient

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures" / "backand-config"


T = TypeVar("T")


def cli_env() -> dict[str, str]:
    """This process's environment for a ``promoter`` subprocess, without ``PROMOTER_HOME`` (each
    command names its home with ``--home``)."""
    return {k: v for k, v in os.environ.items() if k != "PROMOTER_HOME"}


class SandboxControl:
    """The ``/_sandbox/`` endpoints (tests only; the product's client never calls them)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def fault(self, **spec: Any) -> None:
        response = requests.post(f"{self.url}/_sandbox/faults", json=spec, timeout=10)
        response.raise_for_status()

    def clear_faults(self) -> None:
        requests.delete(f"{self.url}/_sandbox/faults", timeout=10).raise_for_status()

    def state(self, app: str) -> dict[str, Any]:
        response = requests.get(f"{self.url}/_sandbox/apps/{app}", timeout=10)
        response.raise_for_status()
        return dict(response.json())

    def expire_tokens(self) -> None:
        requests.post(f"{self.url}/_sandbox/expire-tokens", timeout=10).raise_for_status()

    def token_lifetime(self, seconds: float) -> None:
        requests.post(f"{self.url}/_sandbox/token-lifetime", json={"seconds": seconds}, timeout=10)

    def requests(self, path: str | None = None, app: str | None = None) -> list[dict[str, Any]]:
        """The Backand calls the sandbox received since the last :meth:`clear_requests`."""
        response = requests.get(f"{self.url}/_sandbox/requests", timeout=10)
        response.raise_for_status()
        calls = list(response.json())
        return [c for c in calls if (path is None or c["path"] == path) and (app is None or c["app"] == app)]

    def clear_requests(self) -> None:
        requests.delete(f"{self.url}/_sandbox/requests", timeout=10).raise_for_status()

    def insert_rows(self, app: str, table: str, rows: list[dict[str, Any]]) -> None:
        response = requests.post(
            f"{self.url}/_sandbox/apps/{app}/rows", json={"table": table, "rows": rows}, timeout=10
        )
        response.raise_for_status()


def make_config_zip(
    dest: Path, app_doc: bytes, map_doc: bytes, app_id: int = 7, *, stored: bool = False
) -> Path:
    mode = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(dest, "w", compression=mode) as archive:
        archive.writestr(f"duradosappsys{app_id}", app_doc)
        archive.writestr(f"duradosappsys{app_id}xml", map_doc)
    return dest


MAP_DOC = b'<?xml version="1.0" standalone="yes"?>\n<MapDataSet xmlns="http://tempuri.org/MapDataSet.xsd">\n</MapDataSet>\n'


def big_config_zip(dest: Path, megabytes: float, version: str = "2.0.1") -> Path:
    """A valid configuration zip of about *megabytes* MiB of incompressible action code, written
    piece by piece (the test never holds it whole)."""
    target = int(megabytes * 1024 * 1024)
    rng = random.Random(42)
    alphabet = (string.ascii_letters + string.digits).encode()
    head = (
        '<?xml version="1.0" standalone="yes"?>\n<NewDataSet>\n  <Database>\n'
        f"    <ID>0</ID>\n    <ConfigVersion>{version}</ConfigVersion>\n  </Database>\n"
        "  <Rule>\n    <ID>1</ID>\n    <Name>Big</Name>\n    <Code>"
    ).encode()
    tail = b"</Code>\n    <Rules>0</Rules>\n  </Rule>\n</NewDataSet>\n"
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_STORED) as archive:
        with archive.open("duradosappsys7", "w", force_zip64=False) as entry:
            entry.write(head)
            left = target - len(head) - len(tail)
            block = bytes(rng.choice(alphabet) for _ in range(65536))
            while left > 0:
                piece = block[: min(left, len(block))]
                entry.write(piece)
                left -= len(piece)
                block = block[1:] + block[:1]
            entry.write(tail)
        archive.writestr("duradosappsys7xml", MAP_DOC)
    return dest


class SandboxProcess:
    """``promoter sandbox`` in its own process (memory measured in the test is then the client's)."""

    def __init__(self, home: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "--home", str(home), "sandbox", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline().strip()
        if not first.startswith("Sandbox listening on "):
            self.stop()
            raise RuntimeError(
                f"sandbox did not start: {first!r} {self.proc.stderr.read() if self.proc.stderr else ''}"
            )
        self.url = first.removeprefix("Sandbox listening on ")
        self.banner = [first]
        for _ in range(8):
            line = self.proc.stdout.readline().rstrip()
            self.banner.append(line)
            if line.startswith("Press Ctrl+C"):
                break

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


def wait_until(predicate: Any, timeout: float = 30.0) -> bool:
    """Wait for the sandbox (another thread or process) to carry out a delayed request: nothing
    signals that, so it is polled."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def edit_config(url: str, app: str, edit: Any, workdir: Path) -> None:
    """Change *app*'s configuration behind the promoter's back, as someone in the console would:
    download it, pass the app document's text through *edit*, upload it and clear the cache."""
    from app.backand import BackandClient, PasswordLogin
    from app.sandbox import seed

    with BackandClient(url, app, PasswordLogin(seed.ADMIN[0])) as client:
        client.sign_in(seed.ADMIN[1])
        before, after = workdir / f"{app}-before.zip", workdir / f"{app}-after.zip"
        client.download_config(before)
        with zipfile.ZipFile(before) as src, zipfile.ZipFile(after, "w", zipfile.ZIP_DEFLATED) as out:
            first, second = src.namelist()[:2]
            out.writestr(first, edit(src.read(first).decode()).encode())
            out.writestr(second, src.read(second))
        client.upload_config(after)
        client.reload_cache()


def set_view_cell(doc: str, view: str, column: str, value: str) -> str:
    """*doc* with ``<column>value</column>`` in the View row named *view* (replaced if present)."""
    import re

    head = re.search(rf"<View>(?:(?!</View>).)*?<Name>{re.escape(view)}</Name>", doc, re.S)
    assert head is not None, f"no View {view}"
    end = doc.index("</View>", head.end())
    row = doc[head.start() : end]
    cell = f"<{column}>{value}</{column}>"
    if f"<{column}>" in row:
        row = re.sub(rf"<{column}>[^<]*</{column}>", cell, row)
    else:
        row += f"  {cell}\n  "
    return doc[: head.start()] + row + doc[end:]


# -- Backand calls only tests make (the promoter never does) ------------------------------------


def sync(client: BackandClient) -> None:
    """``GET /1/app/sync``: the server saves a version now (as the Backand console's snapshot does)."""
    client._call("GET", "/1/app/sync", f"Snapshot {client.app_name}").close()


def list_apps(client: BackandClient, page_size: int = 200) -> list[dict[str, Any]]:
    """``GET /admin/myApps``: the apps the credentials can see."""
    body = client._get_json("/admin/myApps", "List the apps", {"pageSize": str(page_size)})
    assert isinstance(body, dict) and isinstance(body.get("data"), list), body
    return list(body["data"])


def traced(work: Callable[[], T]) -> tuple[T, int, int]:
    """What *work()* returns, with the memory it left held and its peak (tracemalloc, in bytes)."""
    import tracemalloc

    tracemalloc.start()
    try:
        value = work()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return value, held, peak
