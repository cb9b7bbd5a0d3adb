"""The window's process ends cleanly after a promotion (no abort at interpreter exit)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import REPO


def test_the_window_process_exits_cleanly_after_a_promotion():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.gui_exit_probe"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert "Succeeded" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Fatal Python error" not in done.stderr
