"""A hostile server cannot hang the promoter or fill its memory: every call has an overall deadline,
answers are read up to a cap, and the configuration download has a pace floor and a size cap."""

from __future__ import annotations

import resource
import time

import pytest

from app.backand import BackandClient, BearerCredentials, Timeouts, errors
from tests.hostile_server import hostile


def client(url: str, total: float = 2.0) -> BackandClient:
    return BackandClient(
        url,
        "shop-qa",
        BearerCredentials("t0ken-for-tests"),
        timeouts=Timeouts(2, 1, total, small=total),
        retries=0,
    )


@pytest.mark.parametrize("mode", ["trickle-headers", "trickle-body"])
def test_a_trickling_server_hits_the_overall_deadline(mode):
    with hostile(mode) as url:
        started = time.monotonic()
        with pytest.raises(errors.TimeoutError_, match="overall deadline"):
            client(url).get_model()
        assert time.monotonic() - started < 15  # generous; the deadline is 2 s


def test_an_endless_error_body_is_cut_not_held(tmp_path):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with (
        hostile("endless-body", status="500 Internal Server Error", ctype="text/plain") as url,
        pytest.raises(errors.ServerError),
    ):
        client(url, total=30).get_model()
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 200, f"memory grew by {grown_mib:.0f} MiB"


def test_an_endless_json_answer_is_refused():
    with hostile("endless-body") as url, pytest.raises(errors.ProtocolError, match="larger than 8 MiB"):
        client(url, total=30).get_model()


def test_a_trickling_download_gives_up_at_the_pace_floor(tmp_path):
    with (
        hostile("trickle-body", ctype="application/zip", length=5_000_000) as url,
        pytest.raises(errors.TimeoutError_, match="slower than"),
    ):
        client(url, total=30).download_config(tmp_path / "c.zip")
    assert not (tmp_path / "c.zip").exists()


def test_a_download_announcing_gigabytes_is_refused_at_once(tmp_path):
    with (
        hostile("endless-body", ctype="application/zip") as url,
        pytest.raises(errors.ProtocolError, match="not a configuration zip"),
    ):
        client(url, total=30).download_config(tmp_path / "c.zip")
