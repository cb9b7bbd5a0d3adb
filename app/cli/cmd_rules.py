"""``promoter rules add|list|remove``: what a target keeps or rewrites in every promotion into it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.cmd_profiles import guarded, profile_store
from app.cli.exitcodes import Exit
from app.cli.output import print_json
from app.errors import UsageError
from app.paths import Home
from app.profile import Profile
from app.shaping.rules import Rule


def do_add(args: argparse.Namespace, home: Home) -> int:
    if args.kind == "keep" and (args.find is not None or args.with_ is not None or args.regex):
        raise UsageError("A keep rule takes no --find, --with or --regex.")
    if args.kind == "replace" and (args.find is None or args.with_ is None):
        raise UsageError("A replace rule needs --find TEXT and --with TEXT.")
    rule = Rule(0, args.kind, args.selector, args.find or "", args.with_ or "", args.regex)
    store = profile_store(home)
    saved = guarded(lambda: store.add_rule(args.target, rule, args.confirm))
    print(f"Added to {args.target}: {saved.describe()}.")
    warning = _matches_nothing(home, store.get(args.target), saved)
    if warning:
        print(warning, file=sys.stderr)
    return Exit.OK


def _matches_nothing(home: Home, target: Profile, rule: Rule) -> str:
    """A warning when the target's newest archived read (no server call) has nothing the rule
    names, with the nearest names; "" when it matches, or when that is not known cheaply."""
    from app.archive import Archive
    from app.engine.rulecheck import last_read, matches_nothing
    from app.settings import load

    folder = load(home.settings_file).archive_dir
    root = Path(folder).expanduser() if folder else home.archive_dir
    if not (root / "index.sqlite").exists():
        return ""  # nothing read yet (and no archive made just to say so)
    archive = Archive(root)
    try:
        read = last_read(archive, target)
        what = matches_nothing(read, rule)
    finally:
        archive.close()
    if not what or read is None:
        return ""
    return (
        f"Warning: {rule.selector} matches nothing in {target.name} as last read (archive #{read.entry.id}, "
        f"{read.when}): {what}. The rule is kept; a plan reports it as matching nothing. To remove it: "
        f"promoter rules remove {target.name} {rule.id}"
    )


def do_list(args: argparse.Namespace, home: Home) -> int:
    store = profile_store(home)
    profiles = [store.get(args.target)] if args.target else store.load()
    if args.json:
        print_json({p.name: [r.as_json() for r in p.rules or ()] for p in profiles})
        return Exit.OK
    shown = 0
    for profile in profiles:
        for rule in profile.rules or ():
            print(f"{profile.name}  {rule.describe()}")
            shown += 1
    if not shown:
        where = f"{args.target} has" if args.target else "No profile has"
        print(f"{where} no rules. Add one: promoter rules add TARGET keep Database.DisplayName")
    return Exit.OK


def do_remove(args: argparse.Namespace, home: Home) -> int:
    store = profile_store(home)
    removed = guarded(lambda: store.remove_rule(args.target, args.id, args.confirm))
    print(f"Removed from {args.target}: {removed.describe()}.")
    return Exit.OK
