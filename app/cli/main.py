"""The ``promoter`` command line: parse, set up the home and logging, dispatch, map errors.

PySide6 is imported only by the commands that open a window, so ``promoter --version`` stays fast.
"""

from __future__ import annotations

import argparse
import errno
import gc
import importlib
import logging
import sys
from collections.abc import Sequence

from app import __version__, logs
from app.cli import exitcodes
from app.cli.exitcodes import Exit
from app.cli.interrupt import interrupted
from app.cli.parsers import Parser, register_all
from app.errors import PromoterError
from app.paths import Home, resolve_home


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with *command*, only that command's group is declared (see ``register_all``)."""
    parser = Parser(
        prog="promoter",
        description="Promote a Backand app's model and configuration from one environment to the next.",
    )
    parser.add_argument("--version", action="version", version=f"promoter {__version__}")
    parser.add_argument("--home", metavar="DIR", help="where everything is written (env PROMOTER_HOME)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug lines to standard error")
    parser.add_argument(
        "--self-check", action="store_true", help="check Qt, the keyring, the home; exit 0 if all work"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    register_all(sub, command)
    return parser


def command_in(argv: Sequence[str]) -> str | None:
    """The command *argv* names: its first word that is not an option (``--home`` takes one)."""
    words = iter(argv)
    for word in words:
        if word == "--home":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    if not isinstance(sys.stdout, logs.RedactingStream):
        sys.stdout = logs.RedactingStream(sys.stdout)
        sys.stderr = logs.RedactingStream(sys.stderr)
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(command_in(words))
    args = parser.parse_args(words)
    if args.self_check:
        from app.cli import selfcheck

        return selfcheck.run(Home(resolve_home(args.home)))
    if args.command is None:
        args.command = "gui"
        args.handler = "app.cli.commands:cmd_gui"
    home = Home(resolve_home(args.home))
    try:
        logs.setup_stderr_logging(args.verbose)
        if getattr(args, "needs_home", True):
            _home_and_log_file(home, args.verbose)
        logs.cli.info("promoter %s: %s", __version__, args.command)
        module, _, function = args.handler.partition(":")
        return int(getattr(importlib.import_module(module), function)(args, home))
    except PromoterError as exc:
        message = logs.redact(exc.message)  # a server may echo a secret back in its error
        print(f"promoter: {message}", file=sys.stderr)
        logs.cli.info("%s failed: %s", args.command, message)
        return exitcodes.for_error(exc)
    except OSError as exc:  # a full disk, a read-only home, a missing folder: say which file and why
        where = f" ({exc.filename})" if exc.filename else ""
        full = " Free some space and run it again." if exc.errno == errno.ENOSPC else ""
        print(f"promoter: {exc.strerror or exc}{where}.{full}", file=sys.stderr)
        logs.cli.info("%s failed: %s", args.command, exc)
        return Exit.FAILED
    except KeyboardInterrupt:
        logs.cli.info("%s interrupted", args.command)
        return interrupted()
    except Exception as exc:  # last resort: a readable line, the traceback only in the log file
        logs.cli.exception("unexpected error in %s", args.command)
        where = f"details in {logs.current_file()}" if logs.current_file() else "details above"
        print(
            f"promoter: unexpected error: {type(exc).__name__}: {logs.redact(str(exc))} ({where})",
            file=sys.stderr,
        )
        return Exit.FAILED


def run() -> int:
    """The ``promoter`` program (called by ``entry.run``, which guards it against Ctrl+C):
    :func:`main`, then an exit without a last walk of the heap. Python's shutdown collects garbage
    over every object still alive (about 45 ms after a promotion, longer than most of its steps);
    what is frozen out of the collector is still freed as the modules go, and the OS takes the rest."""
    code = main()
    gc.freeze()
    return code


def _home_and_log_file(home: Home, verbose: bool) -> None:
    """Create the home's folders and the log file; a read-only or full home is said once, and the
    commands that only read (profile list, history, archive list…) still run, logging to stderr."""
    try:
        home.ensure()
        logs.setup_file_logging(home.logs_dir, logging.DEBUG if verbose else logging.INFO)
    except OSError as exc:
        print(
            f"promoter: warning: cannot write under {home.root} ({exc.strerror}); log lines go to "
            "standard error, and commands that write will fail.",
            file=sys.stderr,
        )
        logs.setup_stderr_fallback()


if __name__ == "__main__":
    sys.exit(run())
