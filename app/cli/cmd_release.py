"""``promoter release create|list|show|remove``: named, pinned snapshots of an environment.

Promoting one is ``promoter promote --release NAME TARGET`` (``cmd_promote.py``)."""

from __future__ import annotations

import argparse
import time

from app.archive import releases
from app.archive.releases import Release, check_name
from app.cli.cmd_archive import _open
from app.cli.exitcodes import Exit
from app.cli.output import print_json
from app.paths import Home


def _when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def _lines(release: Release) -> list[str]:
    mark = "verified" if release.verified else "NOT verified"
    return [
        f"release {release.name}: {release.source} ({release.app} at {release.base_url}, stage "
        f"{release.stage}), taken {_when(release.created_at)} by {release.user}",
        f"  configuration {release.version or '-'}, archive entry #{release.entry_id} (pinned)",
        f"  {mark}: {release.state}",
        *([f"  note: {release.note}"] if release.note else []),
    ]


def do_create(args: argparse.Namespace, home: Home) -> int:
    from app.cli.cmd_target import open_context
    from app.cli.output import stderr_listener
    from app.engine.reads import releases as engine_releases

    ctx = open_context(home)
    try:
        profile = ctx.profiles.get(args.env)
        # the name and the note are checked before anything is read from the server; a name given
        # empty is a name that is wrong, not a request for an automatic one
        name = args.name if args.name is not None else engine_releases.default_name(profile)
        engine_releases.check_new(ctx, name, args.note, replace=args.replace)
        release = engine_releases.create(
            ctx,
            profile,
            name,
            args.note,
            replace=args.replace,
            listener=stderr_listener(quiet=args.json),
        )
    finally:
        ctx.close()
    if args.json:
        print_json(release.as_json())
    else:
        print("\n".join(_lines(release)))
    return Exit.OK


def do_list(args: argparse.Namespace, home: Home) -> int:
    found = releases.releases(_open(home))
    if args.json:
        print_json([r.as_json() for r in found])
        return Exit.OK
    if not found:
        print("No releases yet: `promoter release create ENV` takes one.")
    for r in found:
        mark = "verified" if r.verified else "not verified"
        note = f"  {r.note}" if r.note else ""
        print(f"{r.name:<24} {r.source:<10} {_when(r.created_at)} {r.version or '-':<10} {mark}{note}")
    return Exit.OK


def do_show(args: argparse.Namespace, home: Home) -> int:
    release = releases.get(_open(home), check_name(args.name))
    if args.json:
        print_json(release.as_json())
    else:
        print("\n".join(_lines(release)))
    return Exit.OK


def do_remove(args: argparse.Namespace, home: Home) -> int:
    from app.cli.output import confirm

    archive = _open(home)
    release = releases.get(archive, check_name(args.name))
    confirm(
        f"Release {release.name} is pinned (archive entry #{release.entry_id}); remove it and its entry?",
        args.yes,
    )
    releases.remove(archive, release.name)
    print(f"Removed release {release.name}.")
    return Exit.OK
