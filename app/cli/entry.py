"""The program's first lines (the console script, ``python -m app``, the bundle).

Nothing is imported before the guard is in place: a Ctrl+C at any moment after Python itself has
started (while the modules load, while the arguments are parsed, while a command runs or ends) is
one line, ``promoter: interrupted``, and exit status 130, never a traceback. Commands that write
turn the signal into a cancel of their own (``signals.py``) and report it as their result.
"""

from __future__ import annotations

import signal
import sys

INTERRUPTED = 130  # app.cli.exitcodes.INTERRUPTED (not imported here: that module loads the client)


def run() -> int:
    try:
        from app.cli.main import run as main_run

        return main_run()
    except KeyboardInterrupt:
        return interrupted()


def interrupted() -> int:
    """Say it once and end: a second Ctrl+C while the message is written cannot cut it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("promoter: interrupted", file=sys.stderr)
    return INTERRUPTED
