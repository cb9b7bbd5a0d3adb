"""``promoter backup`` and ``promoter schedule install|status|remove``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app import logs
from app.cli.cancel_by_signal import READ, cancel_on_signals
from app.cli.exitcodes import Exit
from app.cli.output import print_json, stderr_listener
from app.engine.context import Context
from app.engine.events import CancelToken
from app.engine.reads.backup_all import BackupReport, back_up_all
from app.errors import PromoterError, UsageError
from app.paths import Home
from app.profile import Profile
from app.secrets import SecretStore

if TYPE_CHECKING:
    from app.engine.reads.driftcheck import DriftCheck
    from app.engine.reads.drill import DrillReport


def _chosen(ctx: Context, names: list[str], every: bool, what: str) -> list[Profile]:
    if every or not names:
        chosen = ctx.profiles.load()
    else:
        chosen = [ctx.profiles.get(n) for n in dict.fromkeys(names)]
    if not chosen:
        raise UsageError(f"No environments to {what}: add a profile first.")
    return chosen


def do_backup(args: argparse.Namespace, home: Home) -> int:
    if args.profiles[:1] == ["drill"]:  # `backup drill [PROFILE…]`: a restore drill, not a backup
        if args.profile:
            raise UsageError(
                "`backup drill` runs a restore drill; --profile names profiles to back up. Run them apart."
            )
        if _has_profile(home, "drill"):  # the word is the command; the profile is named with --profile
            print(
                "note: `backup drill` runs a restore drill; to back up the profile named drill, run "
                "`promoter backup --profile drill`.",
                file=sys.stderr,
            )
        return do_drill(args, home, args.profiles[1:])
    args.profiles = [*args.profiles, *args.profile]
    if args.drill and not args.scheduled:
        raise UsageError("--drill is for the scheduled job; run `promoter backup drill` to drill now.")
    ctx = Context(home, SecretStore())
    drills: list[DrillReport] = []
    checks: list[DriftCheck] = []
    try:
        chosen = _chosen(ctx, args.profiles, args.all, "back up")
        with cancel_on_signals(CancelToken(), READ) as token:  # Ctrl+C, or a shutdown's SIGTERM
            reports = back_up_all(ctx, chosen, at_once=args.jobs, cancel=token)
            if args.scheduled and not token.is_set():  # the job nobody watches: drift, drills when due
                from app.engine.reads.driftcheck import check_all
                from app.engine.reads.drill import drill_all, due

                checks = check_all(ctx, chosen, {r.profile: r.backup_id for r in reports if r.ok})
                if args.drill:
                    drills = drill_all(ctx, due(ctx, chosen, args.drill), cancel=token)
            pruned: list[int] = []  # (a signal now lets the pruning end: it is short, and local)
            if args.scheduled and reports and all(r.ok for r in reports) and not token.is_set():
                us = ctx.user_settings  # a scheduled run that succeeded keeps the archive tidy
                pruned = ctx.archive.prune(us.keep_per_kind, days=us.keep_days, plan_days=us.plan_keep_days)
    finally:
        ctx.close()
    ran: list[BackupReport | DrillReport] = [*reports, *drills]
    failed = [r for r in ran if not r.ok and r.status != "cancelled"]
    if args.json:
        print_json(
            {
                "environments": [r.as_json() for r in reports],
                "pruned": pruned,
                "drift_checks": [c.as_json() for c in checks],
                "drills": [d.as_json() for d in drills],
            }
        )
    else:
        for report in reports:
            print(f"{report.status:<9} {report.message} ({report.seconds:.1f} s)")
        for check in checks:
            print(f"drift     {check.message}")
        for drilled in drills:
            print(f"drill     {drilled.status:<7} {drilled.message} ({drilled.seconds:.1f} s)")
        if pruned:
            print(f"retention: removed {len(pruned)} old entries")
    for item in failed:  # the scheduled job's failures reach its log (journal or cron mail) too
        logs.engine.warning("%s", item.message)
    return _exit(failed, ran)


def _exit(
    failed: Sequence[BackupReport | DrillReport], reports: Sequence[BackupReport | DrillReport]
) -> Exit:
    """A failure says so (1) whether or not a cancel came too; else a run cancelled says so (130)."""
    if failed:
        return Exit.FAILED
    return Exit.INTERRUPTED if any(r.status == "cancelled" for r in reports) else Exit.OK


def _has_profile(home: Home, name: str) -> bool:
    from app.profiles import ProfileStore

    try:
        return any(p.name == name for p in ProfileStore(home.profiles_file).load())
    except (PromoterError, OSError):  # a damaged profiles file is reported by the drill that reads it
        return False


def do_drill(args: argparse.Namespace, home: Home, names: list[str]) -> int:
    """``promoter backup drill [PROFILE…|--all]``: restore each newest backup into a sandbox."""
    from app.engine.reads.drill import drill_all

    ctx = Context(home, SecretStore())
    try:
        chosen = _chosen(ctx, names, args.all, "drill")
        with cancel_on_signals(CancelToken(), READ) as token:
            reports = drill_all(ctx, chosen, stderr_listener(quiet=True), cancel=token)
    finally:
        ctx.close()
    if args.json:
        print_json({"drills": [r.as_json() for r in reports]})
    else:
        for report in reports:
            print(f"{report.status:<7} {report.message} ({report.seconds:.1f} s)")
            for line in report.differences:
                print(f"        {line}")
    return _exit([r for r in reports if not r.ok and r.status != "cancelled"], reports)


def do_schedule_install(args: argparse.Namespace, home: Home) -> int:
    from app import schedule
    from app.profiles import ProfileStore

    names = tuple([] if args.all else dict.fromkeys(args.profiles))
    plan = schedule.Schedule(args.every, args.at, names, args.drill)
    profiles = ProfileStore(home.profiles_file)
    for name in plan.profiles:  # a schedule for an environment this home lacks would fail every run
        profiles.get(name)
    running, said = schedule.install(home, plan)
    for line in said:
        print(line)
    return Exit.OK if running else Exit.FAILED


def do_schedule_status(args: argparse.Namespace, home: Home) -> int:
    from app import schedule

    state = schedule.read(home)
    if args.json:
        print_json(state.as_json())
    else:
        for line in state.lines():
            print(line)
    return Exit.OK


def do_schedule_remove(args: argparse.Namespace, home: Home) -> int:
    from app import schedule

    for line in schedule.remove(home):
        print(line, file=sys.stdout)
    return Exit.OK
