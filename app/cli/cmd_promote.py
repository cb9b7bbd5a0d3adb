"""``promoter plan``, ``promote``, ``export``, ``versions``, ``rollback``, ``restore``, ``history``."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from app.cli.output import confirm, print_json, stderr_listener
from app.engine import operations
from app.engine.context import Context
from app.engine.plan import PromoteOptions
from app.engine.promote import promote
from app.errors import SafetyRefusal
from app.paths import Home
from app.secrets import SecretStore


def _ctx(home: Home) -> Context:
    ctx = Context(home, SecretStore())
    for run in ctx.interrupted:
        print(f"promoter: WARNING: {run.message}", file=sys.stderr)
    return ctx


def _print_plan(summary: dict[str, Any]) -> None:
    print(f"Plan: {summary['source']} -> {summary['target']}")
    print(f"  validation: {summary['valid']}")
    for line in summary["warnings"]:
        print(f"    warning: {line}")
    print(f"  model: {summary['model_changes']} changes")
    for line in summary["model_diff"]:
        print(f"    {line}")
    print(f"  configuration: {summary['config_changes']} changes")
    for line in summary["config_diff"]:
        print(f"    {line}")
    if summary["drift"]:
        print("  DRIFT: the target was changed outside the promoter since its last promotion:")
        for line in summary["drift"]:
            print(f"    {line}")
    print(f"  archive: export #{summary['export_id']}, backup #{summary['backup_id']}")


def do_plan(args: argparse.Namespace, home: Home) -> int:
    ctx = _ctx(home)
    try:
        source, target = ctx.profiles.get(args.source), ctx.profiles.get(args.target)
        result = promote(
            ctx,
            source,
            target,
            PromoteOptions(
                dry_run=True, yes=True, confirm=target.name, allow_data_loss=True, allow_skip_stage=True
            ),
            stderr_listener(quiet=args.json),
        )
    finally:
        ctx.close()
    if args.json:
        print_json(result.plan | {"status": result.status, "message": result.message})
    elif result.plan:
        _print_plan(result.plan)
    if result.status != "dry_run":
        print(f"promoter: {result.message}", file=sys.stderr)
        return result.exit_code
    for gate in result.plan.get("gates", []):
        print(f"  would be refused without flags: {gate}", file=sys.stderr if args.json else sys.stdout)
    return 0


def do_promote(args: argparse.Namespace, home: Home) -> int:
    ctx = _ctx(home)
    try:
        source, target = ctx.profiles.get(args.source), ctx.profiles.get(args.target)
        options = PromoteOptions(
            yes=args.yes,
            confirm=args.confirm,
            dry_run=args.dry_run,
            allow_data_loss=args.allow_data_loss,
            allow_skip_stage=args.allow_skip_stage,
            skip_model=args.skip_model,
            skip_config=args.skip_config,
        )
        if not args.dry_run:
            confirm(f"Promote {source.name} ({source.app}) into {target.name} ({target.app})?", args.yes)
        started = time.monotonic()
        result = promote(ctx, source, target, options, stderr_listener(quiet=args.json))
    finally:
        ctx.close()
    if args.json:
        print_json(result.as_json())
    else:
        if result.plan:
            _print_plan(result.plan)
        print(f"{result.status}: {result.message} ({time.monotonic() - started:.1f} s)")
    if result.status == "rollback_failed":
        print(f"promoter: WARNING: {result.message}", file=sys.stderr)
    return result.exit_code


def do_export(args: argparse.Namespace, home: Home) -> int:
    ctx = _ctx(home)
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
    ctx = _ctx(home)
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


def _guard_write(ctx: Context, name: str, args: argparse.Namespace, question: str) -> Any:
    profile = ctx.profiles.get(name)
    if profile.protected and args.confirm != profile.name:
        raise SafetyRefusal(f"{profile.name} is protected; confirm with --confirm {profile.name}.")
    confirm(question, args.yes)
    return profile


def _write(args: argparse.Namespace, home: Home, question: str, operation: Any) -> int:
    """A single-target write: the protected/confirmation gates, then *operation(ctx, profile, listener)*."""
    ctx = _ctx(home)
    try:
        profile = _guard_write(ctx, args.name, args, question)
        result = operation(ctx, profile, stderr_listener(quiet=args.json))
    finally:
        ctx.close()
    print_json(result.as_json()) if args.json else print(f"{result.status}: {result.message}")
    return int(result.exit_code)


def do_rollback(args: argparse.Namespace, home: Home) -> int:
    return _write(
        args,
        home,
        f"Set {args.name} to version {args.version}?",
        lambda ctx, profile, listen: operations.set_version(ctx, profile, args.version, listen),
    )


def do_restore(args: argparse.Namespace, home: Home) -> int:
    return _write(
        args,
        home,
        f"Load {args.source} into {args.name}?",
        lambda ctx, profile, listen: operations.restore(ctx, profile, args.source, listen),
    )


def do_history(args: argparse.Namespace, home: Home) -> int:
    ctx = _ctx(home)
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
        print(f"#{run.id} {when} {run.kind:<9} {src}{run.target}: {run.status} ({run.seconds} s, {run.user})")
    return 0
