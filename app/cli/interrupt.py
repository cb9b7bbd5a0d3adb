"""A Ctrl+C outside a write: one line, ``promoter: interrupted``, and exit status 130 (used by the
program's first lines, ``entry.py``, and by ``main.py`` around a command). Imports nothing of the
promoter but the exit codes, which import nothing."""

from __future__ import annotations

import signal
import sys

from app.cli.exitcodes import Exit


def interrupted() -> Exit:
    """Say it once and end: a second Ctrl+C while the message is written cannot cut it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("promoter: interrupted", file=sys.stderr)
    return Exit.INTERRUPTED
