"""The program's first lines (the console script, ``python -m app``, the bundle).

Nothing is imported before the guard is in place: a Ctrl+C at any moment after Python itself has
started (while the modules load, while the arguments are parsed, while a command runs or ends) is
one line, ``promoter: interrupted``, and exit status 130, never a traceback. Commands that write
turn the signal into a cancel of their own (``cancel_by_signal.py``) and report it as their result.
"""

from __future__ import annotations

from app.cli.interrupt import interrupted  # (loads only the exit codes)


def run() -> int:
    try:
        from app.cli.main import run as main_run

        return main_run()
    except KeyboardInterrupt:
        return interrupted()
