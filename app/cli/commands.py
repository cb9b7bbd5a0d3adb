"""Handlers that belong to no other command module."""

from __future__ import annotations

import argparse

from app.paths import Home


def cmd_gui(args: argparse.Namespace, home: Home) -> int:
    from app.gui.launch import run_gui

    return int(run_gui(home, quit_after=getattr(args, "quit_after", None)))
