"""Transfers stream: a 30 MiB configuration goes up and down without the client holding it.

The sandbox runs in its own process here, so that tracemalloc measures the client alone.
"""

from __future__ import annotations

import hashlib
import tracemalloc

import pytest

from app.backand import BackandClient, PasswordLogin
from app.sandbox import seed
from tests.helpers import SandboxProcess, big_config_zip

LIMIT = 20 * 1024 * 1024


@pytest.fixture
def sandbox_process(tmp_path_factory):
    proc = SandboxProcess(tmp_path_factory.mktemp("sandbox-home"))
    yield proc
    proc.stop()


def test_sandbox_command_prints_url_and_credentials(sandbox_process):
    assert sandbox_process.url.startswith("http://127.0.0.1:")
    text = "\n".join(sandbox_process.banner)
    for app in ("shop-dev", "shop-qa", "shop-prod"):
        assert app in text
    assert seed.ADMIN[0] in text


@pytest.mark.slow
def test_thirty_mib_round_trip_keeps_client_memory_flat(sandbox_process, tmp_path):
    zip_path = big_config_zip(tmp_path / "big.zip", 30)
    size = zip_path.stat().st_size
    assert size > 30 * 1024 * 1024 - 4096
    client = BackandClient(sandbox_process.url, "shop-qa", PasswordLogin(seed.ADMIN[0]))
    client.sign_in(seed.ADMIN[1])
    tracemalloc.start()
    try:
        client.upload_config(zip_path)
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = client.download_config(tmp_path / "back.zip")
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert upload_peak < LIMIT, f"upload peak {upload_peak:,} bytes"
    assert download_peak < LIMIT, f"download peak {download_peak:,} bytes"
    assert result.size > 30 * 1024 * 1024 * 0.7  # the sandbox re-zips (deflate) on download
    assert result.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()
