"""``promoter archive list|show|verify|import|prune``."""

from __future__ import annotations

import argparse
import time

from app.archive import Archive
from app.cli.output import print_json
from app.errors import UsageError
from app.paths import Home


def _open(home: Home) -> Archive:
    return Archive(home.archive_dir)


def do_list(args: argparse.Namespace, home: Home) -> int:
    archive = _open(home)
    entries = archive.entries(args.profile, args.kind)
    if args.json:
        print_json([e.as_json(archive.root) for e in entries])
        return 0
    for e in entries:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.created_at))
        pin = " pinned" if e.pinned else ""
        print(
            f"#{e.id:<4} {when} {e.profile:<10} {e.app:<14} {e.kind:<7} {e.version or '-':<10} "
            f"{e.size:>10,} {e.sha256[:12]} {e.verified}{pin} {e.note}"
        )
    return 0


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
        print(f"model: {len(entry.model)} objects" if entry.model else "model: not recorded")
    return 0


def do_verify(args: argparse.Namespace, home: Home) -> int:
    results = _open(home).verify(args.ids or None, deep=args.deep)
    bad = [r for r in results if not r.ok]
    for r in results:
        print(f"#{r.id}: {'ok' if r.ok else 'PROBLEM: ' + r.problem}")
    print(f"{len(results) - len(bad)} passed, {len(bad)} failed")
    return 1 if bad else 0


def do_import(args: argparse.Namespace, home: Home) -> int:
    from app.profiles import ProfileStore

    profile = ProfileStore(home.profiles_file).get(args.profile)
    if not args.path.exists():
        raise UsageError(f"{args.path} does not exist.")
    entry = _open(home).import_zip(
        args.path, profile=profile.name, base_url=profile.base_url, app=profile.app
    )
    print(entry.id)
    return 0


def do_prune(args: argparse.Namespace, home: Home) -> int:
    removed = _open(home).prune(args.keep, args.profile)
    print(
        f"Removed {len(removed)} entries"
        + (f": {', '.join('#' + str(i) for i in removed)}" if removed else ".")
    )
    return 0
