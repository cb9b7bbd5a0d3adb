"""``promoter archive list|show|verify|import|prune``."""

from __future__ import annotations

import argparse
import sys
import time

from app.archive import Archive
from app.archive.store import DAMAGED_MODEL
from app.cli.exitcodes import Exit
from app.cli.output import print_json
from app.errors import UsageError
from app.paths import Home
from app.plural import count


def _open(home: Home) -> Archive:
    """The archive where the settings put it (the home's archive folder by default)."""
    from pathlib import Path

    from app.settings import load

    folder = load(home.settings_file).archive_dir
    return Archive(Path(folder).expanduser() if folder else home.archive_dir)


def do_list(args: argparse.Namespace, home: Home) -> int:
    archive = _open(home)
    everything = archive.entries(args.profile, args.kind)
    # a plan's reads are kept apart: listed with --all, or when asked for by --kind plan
    entries = everything if args.all or args.kind else [e for e in everything if e.kind != "plan"]
    if args.json:
        print_json([e.as_json(archive.root) for e in entries])
        return Exit.OK
    if len(entries) < len(everything):
        hidden = len(everything) - len(entries)
        print(
            f"{len(entries)} of {count(len(everything), 'entry')} listed; "
            f"{count(hidden, 'plan read')} not listed (--all lists them)",
            file=sys.stderr,
        )
    for e in entries:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.created_at))
        pin = " pinned" if e.pinned else ""
        print(
            f"#{e.id:<4} {when} {e.profile:<10} {e.app:<14} {e.kind:<7} {e.version or '-':<10} "
            f"{e.size:>10,} {e.sha256[:12]} {e.verified}{pin} {e.note}"
        )
    return Exit.OK


def do_show(args: argparse.Namespace, home: Home) -> int:
    archive = _open(home)
    entry = archive.get(args.id)
    data = entry.as_json(archive.root) | {"model": entry.model}
    if args.json:
        print_json(data)
    else:
        for key, value in data.items():
            if key != "model":
                print(f"{key}: {value}")
        if entry.model is None:
            print("model: not recorded")
        elif isinstance(entry.model, list):
            print(f"model: {count(len(entry.model), 'object')}")
        elif entry.model == DAMAGED_MODEL:
            print(f"model: {DAMAGED_MODEL}; it is not restored")
        else:  # written by an older promoter that took a bundle's manifest on trust
            print(f"model: not a model (a JSON {type(entry.model).__name__}); do not restore it")
    return Exit.OK


def do_verify(args: argparse.Namespace, home: Home) -> int:
    results = _open(home).verify(args.ids or None, deep=args.deep)
    bad = [r for r in results if not r.ok]
    lines = [f"#{r.id}: {'ok' if r.ok else 'PROBLEM: ' + r.problem}" for r in results]
    lines.append(f"{len(results) - len(bad)} passed, {len(bad)} failed")
    print("\n".join(lines))  # one write: the output's redaction runs once, not per line
    return Exit.FAILED if bad else Exit.OK


def do_import(args: argparse.Namespace, home: Home) -> int:
    from app.profiles import ProfileStore

    profile = ProfileStore(home.profiles_file).get(args.profile)
    if not args.path.exists():
        raise UsageError(f"{args.path} does not exist.")
    entry = _open(home).import_zip(
        args.path, profile=profile.name, base_url=profile.base_url, app=profile.app
    )
    print(entry.id)
    return Exit.OK


def do_prune(args: argparse.Namespace, home: Home) -> int:
    from app.settings import load

    us = load(home.settings_file)
    keep = us.keep_per_kind if args.keep is None else args.keep
    days = us.keep_days if args.days is None else args.days
    plan_days = us.plan_keep_days if args.plan_days is None else args.plan_days
    removed = _open(home).prune(keep, args.profile, days=days, plan_days=plan_days, dry_run=args.dry_run)
    verb = "Would remove" if args.dry_run else "Removed"
    print(
        f"{verb} {count(len(removed), 'entry')} (keeping the {keep} newest per profile and kind, "
        "all of the last "
        f"{days:g} days, pinned ones, undo backups and each environment's newest backup; "
        f"plan reads of the last {plan_days:g} days)"
        + (f": {', '.join('#' + str(i) for i in removed)}" if removed else ".")
    )
    return Exit.OK


def do_export_bundle(args: argparse.Namespace, home: Home) -> int:
    import calendar

    from app.archive.bundle import export_bundle
    from app.profiles import ProfileStore

    since = 0.0
    if args.since:
        try:
            since = calendar.timegm(time.strptime(args.since, "%Y-%m-%d"))
        except ValueError:
            raise UsageError(f"--since {args.since!r}: use YYYY-MM-DD.") from None
    archive = _open(home)
    chosen = [
        e
        for e in archive.entries()
        if e.created_at >= since and (not args.profile or e.profile in args.profile)
    ]
    profiles = [p.as_json() for p in ProfileStore(home.profiles_file).load()]
    report = export_bundle(archive, args.dir, chosen[::-1], profiles)
    print(f"Wrote {count(len(report.files), 'entry')}, manifest.json and SHA256SUMS to {args.dir}.")
    for line in report.skipped:
        print(f"  left out: {line}")
    return Exit.OK if not report.skipped else Exit.FAILED


def do_import_bundle(args: argparse.Namespace, home: Home) -> int:
    from app.archive.bundle import import_bundle

    report = import_bundle(_open(home), args.dir)
    if args.json:
        print_json(report.as_json())
    else:
        print(
            f"Added {count(len(report.added), 'entry')}; {len(report.already)} were already archived; "
            f"{len(report.refused)} refused."
        )
        for line in report.refused:
            print(f"  refused: {line}")
    return Exit.OK if not report.refused else Exit.FAILED
