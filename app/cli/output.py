"""How the command line shows things: JSON on stdout, progress and logs on stderr, confirmations."""

from __future__ import annotations

import json
import sys
from typing import Any

from app import logs
from app.engine.events import Event
from app.errors import SafetyRefusal

ICONS = {"running": "…", "done": "✓", "skipped": "-", "failed": "✗", "rolled_back": "↶"}


def print_json(data: Any) -> None:
    """One JSON document: indented on a terminal, compact (and encoded in C, fast) in a pipe."""
    indent = 2 if sys.stdout.isatty() else None
    # a server's fields (title, role, versions…) may echo a secret back: redacted once, by the
    # redacting stream the CLI prints through (a plan of thousands of changes is megabytes)
    text = json.dumps(data, indent=indent, default=str) + "\n"
    out = sys.stdout
    out.write(text if isinstance(out, logs.RedactingStream) else logs.redact(text))


def stderr_listener(quiet: bool = False) -> Any:
    """Steps and log lines to standard error (progress only at 25% marks)."""
    marks: dict[str, int] = {}

    def listen(event: Event) -> None:
        if quiet:
            return
        if event.kind == "step" and event.status != "running":
            print(
                f"  {ICONS.get(event.status or '', '?')} {event.step} "
                + (f"({event.message})" if event.message else ""),
                file=sys.stderr,
            )
        elif event.kind == "log":
            print(f"    {event.message}", file=sys.stderr)
        elif event.kind == "progress" and event.total:
            quarter = int(event.done * 4 / event.total)
            if quarter > marks.get(event.step, 0):
                marks[event.step] = quarter
                print(f"    {event.step}: {event.done:,} / {event.total:,} bytes", file=sys.stderr)

    return listen


def confirm(question: str, yes: bool) -> None:
    """Ask on the terminal; refuse when standard input is not one and --yes was not given."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise SafetyRefusal(f"{question} Refusing without --yes: standard input is not a terminal.")
    try:
        answer = input(f"{question} [y/N] ").strip().lower()
    except EOFError:  # Ctrl+D: no answer is not a yes
        answer = ""
        print(file=sys.stderr)
    if answer not in ("y", "yes"):
        raise SafetyRefusal("Not confirmed; nothing was done.")
