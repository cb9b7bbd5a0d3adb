"""``promoter export``, ``versions``, ``rollback`` (Set), ``restore``, ``undo`` and ``history``: the
commands on one target's versions and backups, and the record of runs."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from app.cli import exitcodes
from app.cli.cancel_by_signal import cancel_on_signals
from app.cli.exitcodes import Exit
from app.cli.gateflags import print_gates, with_flags
from app.cli.output import confirm, print_json, stderr_listener
from app.engine.context import Context
from app.engine.events import CancelToken
from app.engine.gates import Consent
from app.engine.ops.restore import restore, restore_source
from app.engine.ops.setversion import set_version, version_source
from app.engine.ops.undo import undo, undo_source
from app.engine.reads import one_target
from app.engine.reads.writeplan import WriteSource, preview
from app.engine.result import BAD_STATE, Result
from app.engine.security import check_reason
from app.modelcheck import load_model_file
from app.paths import Home
from app.profile import Profile
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
        entry = one_target.export(ctx, ctx.profiles.get(args.name), args.version)
        if args.json:
            print_json(entry.as_json(ctx.archive.root))
        else:
            print(entry.id)
    finally:
        ctx.close()
    return Exit.OK


def do_versions(args: argparse.Namespace, home: Home) -> int:
    ctx = open_context(home)
    try:
        info = one_target.versions(ctx, ctx.profiles.get(args.name))
    finally:
        ctx.close()
    if args.json:
        print_json(info)
        return Exit.OK
    print(f"{info['profile']}: the server keeps only the {info['kept_by_server']} newest versions")
    for row in info["versions"]:
        marks = (" (current)" if row["current"] else "") + (" [archived]" if row["archived"] else "")
        seen = row.get("first_seen")
        when = f"  first seen {time.strftime('%Y-%m-%d %H:%M', time.localtime(seen))}" if seen else ""
        print(f"  {row['version']}{marks}{when}")
    if not any(r["current"] for r in info["versions"]):
        print(f"  current: {info['current']} (not in the list)")
    return Exit.OK


def _consent(args: argparse.Namespace) -> Consent:
    reason = getattr(args, "accept_security", None)
    return Consent(
        confirm=args.confirm,
        allow_data_loss=getattr(args, "allow_data_loss", False),
        accept_drift=args.yes,
        accept_later_writes=args.yes,
        config_only=getattr(args, "config_only", False),
        security_reason=check_reason(reason) if reason is not None else None,
    )


def planned_write(
    args: argparse.Namespace,
    home: Home,
    kind: str,
    question: str,
    resolve: Callable[[Context], tuple[Profile, WriteSource]],
    write: Callable[..., Result],
) -> int:
    """A write with its plan first: ``--dry-run`` prints the plan and writes nothing (exit 0);
    without ``--yes`` the plan is printed and then asked about, and the write refuses if the target
    changed since (the plan's stamp); with ``--yes`` the plan is made under the lock and printed
    with the result. *write(ctx, profile, source, consent, listener, cancel, expect_stamp=...)*."""
    consent, expect = _consent(args), None  # (a blank security reason is refused before anything)
    ctx = open_context(home)
    try:
        profile, source = resolve(ctx)
        if args.dry_run or not args.yes:
            with cancel_on_signals(CancelToken()) as token:
                plan = preview(ctx, profile, kind, source, stderr_listener(quiet=args.json), token)
            if args.dry_run:
                show_plan(with_flags(plan.as_json(), profile.name), plan.lines(), as_json=args.json)
                return Exit.OK
            out = sys.stdout if not args.json else sys.stderr
            if not args.json:
                print("\n".join(plan.lines()))
            # the answer to this plan is consent to what it shows of drift and later runs; every
            # other gate needs its own flag, so a plan that needs one is refused before asking
            asked = replace(consent, accept_drift=True, accept_later_writes=True)
            left = [r.as_json() for r in plan.refusals(asked)]
            if left:
                print_gates(left, profile.name, out, refused=True)
                return Exit.REFUSED
            print_gates([r.as_json() for r in plan.refusals(consent)], profile.name, out)
            confirm(question, False)
            consent, expect = asked, plan.stamp
        with cancel_on_signals(CancelToken()) as token:
            listener = stderr_listener(quiet=args.json)
            result = write(ctx, profile, source, consent, listener, token, expect_stamp=expect)
    finally:
        ctx.close()
    if args.json:
        print_json(with_flags(result.as_json(), result.target))
    else:
        if args.yes and result.plan:
            print("\n".join(result.plan.get("lines", [])))
        print(f"{result.status}: {result.message}")
        print_gates([r.as_json() for r in result.refusals], result.target, sys.stdout, refused=True)
    if result.status in BAD_STATE:
        print(f"promoter: WARNING: {result.message}", file=sys.stderr)
    return exitcodes.for_result(result)


def show_plan(plan: dict[str, Any], lines: list[str], *, as_json: bool) -> None:
    """A dry run's plan: the ``plan --json`` document, or the lines and the gates it would meet."""
    if as_json:
        print_json(plan | {"status": "dry_run", "message": "A plan only: nothing was written."})
        return
    print("\n".join(lines))
    print_gates(plan["gates"], plan["target"], sys.stdout)
    print("  nothing was written (--dry-run)")


def do_rollback(args: argparse.Namespace, home: Home) -> int:
    return planned_write(
        args,
        home,
        "rollback",
        f"Set {args.name} to version {args.version}?",
        lambda ctx: (ctx.profiles.get(args.name), version_source(args.version)),
        lambda ctx, profile, source, *rest, **kw: set_version(ctx, profile, args.version, *rest, **kw),
    )


def do_restore(args: argparse.Namespace, home: Home) -> int:
    model = load_model_file(args.model) if args.model is not None else None

    def resolve(ctx: Context) -> tuple[Profile, WriteSource]:
        profile = ctx.profiles.get(args.name)
        return profile, restore_source(ctx, profile, args.source, model)

    return planned_write(args, home, "restore", f"Load {args.source} into {args.name}?", resolve, restore)


def do_undo(args: argparse.Namespace, home: Home) -> int:
    def resolve(ctx: Context) -> tuple[Profile, WriteSource]:
        profile, _run, source = undo_source(ctx, args.run_id)
        return profile, source

    return planned_write(
        args,
        home,
        "undo",
        f"Undo run #{args.run_id}: put its backup (model and configuration) back into its target?",
        resolve,
        lambda ctx, _profile, _source, *rest, **kw: undo(ctx, args.run_id, *rest, **kw),
    )


def do_history(args: argparse.Namespace, home: Home) -> int:
    ctx = open_context(home)
    try:
        runs = ctx.history.runs(args.limit)
    finally:
        ctx.close()
    if args.json:
        print_json([r.as_json() for r in runs])
        return Exit.OK
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
    return Exit.OK
