"""``promoter demo``: the sandbox in-process, a fresh temporary home, profiles dev/qa/prod, the window."""

from __future__ import annotations

import argparse
import shlex
import shutil
import tempfile
from pathlib import Path

from app.cli.exitcodes import Exit
from app.paths import Home
from app.plural import count
from app.profiles import ProfileStore
from app.sandbox.demo import demo_secret_store, prepare
from app.sandbox.server import SandboxServer


def run(args: argparse.Namespace, home: Home) -> int:
    """The demo in a temporary folder: removed on quitting (and said so), or kept with --keep-home."""
    keep = bool(getattr(args, "keep_home", False))
    root = Path(tempfile.mkdtemp(prefix="promoter-demo-"))
    try:
        return _run(args, root, keep)
    finally:
        print(farewell(root, keep), flush=True)


def _run(args: argparse.Namespace, root: Path, keep: bool) -> int:
    server = SandboxServer(root / "sandbox").start()
    secrets = demo_secret_store()
    demo_home = prepare(root / "home", server.url, server, secrets)
    from app import logs

    logs.setup_file_logging(demo_home.logs_dir)
    fate = "kept on quitting" if keep else "removed on quitting; keep it with --keep-home"
    print(
        f"Demo sandbox on {server.url}; home {demo_home.root} ({fate}); keyring: {secrets.name}",
        flush=True,
    )
    try:
        if args.no_gui:
            return Exit.OK
        from app.gui.launch import run_gui

        return int(run_gui(demo_home, secrets=secrets, demo=True))
    finally:
        server.stop()
        for profile in ProfileStore(demo_home.profiles_file).load():
            secrets.delete(profile)


def contents(home: Home) -> str:
    """"its archive (3 entries) and history (2 runs)", read from the home before it goes."""
    from app.archive import Archive
    from app.engine.history import History

    archive, history = Archive(home.archive_dir), History(home.history_db)
    try:
        entries, runs = len(archive.entries()), len(history.runs(limit=1_000_000, plans=False))
    finally:
        archive.close()
        history.close()
    return f"its archive ({count(entries, 'entry')}) and history ({count(runs, 'run')})"


def farewell(root: Path, keep: bool) -> str:
    """Remove the demo's folder unless *keep*; say where its home is, or that it is gone and what
    went with it."""
    home = Home(root / "home")
    try:
        what = contents(home)
    except Exception:  # a demo home damaged by hand: what it held cannot be counted
        what = "its files"
    if keep:
        return (
            f"The demo's home is kept at {home.root}, with {what}; browse it with "
            f"`promoter --home {shlex.quote(str(home.root))} gui` (the demo sandbox has stopped, "
            f"and the demo's keys were removed from the keyring). Delete {root} when done."
        )
    try:
        shutil.rmtree(root)
    except OSError as exc:
        why = exc.strerror or str(exc)
        return f"Could not remove the demo's temporary folder {root} ({why}): delete it by hand."
    return (
        f"Removed the demo's temporary home {home.root}, with {what} "
        "(`promoter demo --keep-home` keeps them)."
    )
