"""``promoter backup`` and ``promoter schedule install|status|remove``."""

from __future__ import annotations

import argparse
import sys

from app.cli.output import print_json
from app.engine.backups import back_up_all
from app.engine.context import Context
from app.errors import UsageError
from app.paths import Home
from app.secrets import SecretStore


def do_backup(args: argparse.Namespace, home: Home) -> int:
    ctx = Context(home, SecretStore())
    try:
        known = ctx.profiles.load()
        if args.all or not args.profiles:
            chosen = known
        else:
            chosen = [ctx.profiles.get(name) for name in dict.fromkeys(args.profiles)]
        if not chosen:
            raise UsageError("No environments to back up: add a profile first.")
        reports = back_up_all(ctx, chosen, at_once=args.jobs)
        pruned: list[int] = []
        if args.scheduled and all(r.ok for r in reports):  # a scheduled run keeps the archive tidy
            us = ctx.user_settings
            pruned = ctx.archive.prune(us.keep_per_kind, days=us.keep_days, plan_days=us.plan_keep_days)
    finally:
        ctx.close()
    if args.json:
        print_json({"environments": [r.as_json() for r in reports], "pruned": pruned})
    else:
        for report in reports:
            print(f"{report.status:<9} {report.message} ({report.seconds:.1f} s)")
        if pruned:
            print(f"retention: removed {len(pruned)} old entries")
    return 0 if all(r.ok for r in reports) else 1


def do_schedule_install(args: argparse.Namespace, home: Home) -> int:
    from app import schedule
    from app.profiles import ProfileStore

    plan = schedule.Schedule(args.every, args.at, tuple([] if args.all else dict.fromkeys(args.profiles)))
    profiles = ProfileStore(home.profiles_file)
    for name in plan.profiles:  # a schedule for an environment this home lacks would fail every run
        profiles.get(name)
    running, said = schedule.install(home, plan)
    for line in said:
        print(line)
    return 0 if running else 1


def do_schedule_status(args: argparse.Namespace, home: Home) -> int:
    from app import schedule

    state = schedule.read(home)
    if args.json:
        print_json(state.as_json())
    else:
        for line in state.lines():
            print(line)
    return 0


def do_schedule_remove(args: argparse.Namespace, home: Home) -> int:
    from app import schedule

    for line in schedule.remove(home):
        print(line, file=sys.stdout)
    return 0
