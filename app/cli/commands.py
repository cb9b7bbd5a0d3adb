"""The table of subcommands: each registers its arguments and points at its function."""

from __future__ import annotations

import argparse
from typing import Any

from app.paths import Home


def register_all(sub: Any) -> None:
    from app.cli import cmd_archive, cmd_demo, cmd_model, cmd_profiles, cmd_promote, cmd_sandbox

    cmd_sandbox.register(sub)
    cmd_demo.register(sub)
    cmd_profiles.register(sub)
    cmd_promote.register(sub)
    cmd_archive.register(sub)
    cmd_model.register(sub)
    gui = sub.add_parser("gui", help="the desktop app (the default)")
    gui.add_argument("--quit-after", type=float, metavar="SECONDS", help=argparse.SUPPRESS)
    gui.set_defaults(func=cmd_gui)


def cmd_gui(args: argparse.Namespace, home: Home) -> int:
    from app.gui.launch import run_gui

    return int(run_gui(home, quit_after=getattr(args, "quit_after", None)))
