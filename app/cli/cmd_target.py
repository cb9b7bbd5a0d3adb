"""``promoter export``, ``versions``, ``rollback`` (Set), ``restore``, ``undo`` and ``history``: the
commands on one target's versions and backups, and the record of runs."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from app.cli import exitcodes
from app.cli.output import confirm, print_json, stderr_listener
from app.cli.signals import cancel_on_signals
from app.engine import operations
from app.engine.context import Context
from app.engine.events import CancelToken
from app.engine.gates import Consent
from app.engine.restore import restore
from app.engine.result import BAD_STATE
from app.engine.setversion import set_version
from app.engine.undo import undo
from app.paths import Home
from app.secrets import SecretStore


def open_context(home: Home) -> Context:
    """The engine's context on *home*; runs that a crash left open are said first."""
    ctx = Context(home, SecretStore())
    for run in ctx.interrupted:
        print(f"promoter: WARNING: {run.message}", file=sys.stderr)
    if ctx.lost_protection:  # a protected profile unprotected by hand: said before anything runs
        from app.cli.cmd_profiles import warn_lost_protection

        warn_lost_protection(ctx.lost_protection, home)
    return ctx


def do_export(args: argparse.Namespace, home: Home) -> int:
    ctx = open_context(home)
    try:
        entry = operations.export(ctx, ctx.profiles.get(args.name), args.version)
        if args.json:
            print_json(entry.as_json(ctx.archive.root))
        else:
            print(entry.id)
    finally:
        ctx.close()
    return 0


def do_versions(args: argparse.Namespace, home: Home) -> int:
    ctx = open_context(home)
    try:
        info = operations.versions(ctx, ctx.profiles.get(args.name))
    finally:
        ctx.close()
    if args.json:
        print_json(info)
        return 0
    print(f"{info['profile']}: the server keeps only the {info['kept_by_server']} newest versions")
    for row in info["versions"]:
        marks = (" (current)" if row["current"] else "") + (" [archived]" if row["archived"] else "")
        print(f"  {row['version']}{marks}")
    if not any(r["current"] for r in info["versions"]):
        print(f"  current: {info['current']} (not in the list)")
    return 0


def _consent(args: argparse.Namespace) -> Consent:
    return Consent(
        confirm=args.confirm,
        allow_data_loss=getattr(args, "allow_data_loss", False),
        accept_drift=args.yes,
    )


def _write(args: argparse.Namespace, home: Home, question: str, operation: Any) -> int:
    """A single-target write: ask, then *operation(ctx, profile, consent, listener, cancel)*.
    The engine applies the gates (protected, ...); SIGINT/SIGTERM cancel and roll back."""
    ctx = open_context(home)
    try:
        profile = ctx.profiles.get(args.name) if getattr(args, "name", None) else None
        confirm(question, args.yes)
        with cancel_on_signals(CancelToken()) as token:
            result = operation(ctx, profile, _consent(args), stderr_listener(quiet=args.json), token)
    finally:
        ctx.close()
    print_json(result.as_json()) if args.json else print(f"{result.status}: {result.message}")
    if result.status in BAD_STATE:
        print(f"promoter: WARNING: {result.message}", file=sys.stderr)
    return exitcodes.for_result(result)


def do_rollback(args: argparse.Namespace, home: Home) -> int:
    return _write(
        args,
        home,
        f"Set {args.name} to version {args.version}?",
        lambda ctx, profile, consent, listen, cancel: set_version(
            ctx, profile, args.version, consent, listen, cancel
        ),
    )


def do_restore(args: argparse.Namespace, home: Home) -> int:
    return _write(
        args,
        home,
        f"Load {args.source} into {args.name}?",
        lambda ctx, profile, consent, listen, cancel: restore(
            ctx, profile, args.source, consent, listen, cancel
        ),
    )


def do_undo(args: argparse.Namespace, home: Home) -> int:
    return _write(
        args,
        home,
        f"Undo run #{args.run_id}: put its backup (model and configuration) back into its target?",
        lambda ctx, _profile, consent, listen, cancel: undo(ctx, args.run_id, consent, listen, cancel),
    )


def do_history(args: argparse.Namespace, home: Home) -> int:
    ctx = open_context(home)
    try:
        runs = ctx.history.runs(args.limit)
    finally:
        ctx.close()
    if args.json:
        print_json([r.as_json() for r in runs])
        return 0
    for run in runs:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.started_at))
        src = f"{run.source} -> " if run.source else ""
        undone = f" [undone by #{run.undone_by}]" if run.undone_by is not None else ""
        if run.kind == "profile":  # a profile change: what changed, by whom
            print(f"#{run.id} {when} {run.kind:<9} {run.message} ({run.user})")
            continue
        print(
            f"#{run.id} {when} {run.kind:<9} {src}{run.target}: {run.status}{undone} "
            f"({run.seconds} s, {run.user})"
        )
    return 0
