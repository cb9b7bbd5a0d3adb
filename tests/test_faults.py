"""The fault matrix (tests/faults/matrix.py) as tests: every step × every fault, and kill -9 during
a download and an upload. ``make faults`` runs the same rows and writes docs/reliability.md."""

from __future__ import annotations

import pytest

from tests.conftest import HAVE_SECRET_SERVICE
from tests.faults import matrix

pytestmark = pytest.mark.skipif(
    not HAVE_SECRET_SERVICE,
    reason="the CLI keeps secrets only in a real keyring; "
    "run under tests/tools/with-keyring.sh (make test does)",
)


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    rig = matrix.Rig(tmp_path_factory.mktemp("faults"))
    yield rig
    rig.close()


@pytest.mark.parametrize(("step", "fault"), matrix.all_rows())
def test_fault(rig, step, fault):
    row = matrix.run_row(rig, step, fault)
    assert row.ok, row.problems


@pytest.mark.parametrize("during", ["download", "upload"])
@pytest.mark.timeout(600)
def test_kill_minus_nine(rig, during):
    row = matrix.run_kill(rig, during)
    assert row.ok, row.problems


@pytest.mark.parametrize("name", matrix.SPECIALS)
@pytest.mark.timeout(600)
def test_special(rig, name):
    row = matrix.run_special(rig, name)
    assert row.ok, row.problems
