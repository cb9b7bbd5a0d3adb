"""``promoter rules add|list|remove``: what a target keeps or rewrites in every promotion into it."""

from __future__ import annotations

import argparse

from app.cli.cmd_profiles import guarded, profile_store
from app.cli.output import print_json
from app.errors import UsageError
from app.paths import Home
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
    return 0


def do_list(args: argparse.Namespace, home: Home) -> int:
    store = profile_store(home)
    profiles = [store.get(args.target)] if args.target else store.load()
    if args.json:
        print_json({p.name: [r.as_json() for r in p.rules or ()] for p in profiles})
        return 0
    shown = 0
    for profile in profiles:
        for rule in profile.rules or ():
            print(f"{profile.name}  {rule.describe()}")
            shown += 1
    if not shown:
        where = f"{args.target} has" if args.target else "No profile has"
        print(f"{where} no rules. Add one: promoter rules add TARGET keep Database.DisplayName")
    return 0


def do_remove(args: argparse.Namespace, home: Home) -> int:
    store = profile_store(home)
    removed = guarded(lambda: store.remove_rule(args.target, args.id, args.confirm))
    print(f"Removed from {args.target}: {removed.describe()}.")
    return 0
