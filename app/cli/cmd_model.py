"""``promoter model show|validate|apply``: the console's model editor, with the promoter's safety."""

from __future__ import annotations

import argparse

from app.cli.output import confirm, print_json, stderr_listener
from app.engine import operations
from app.engine.context import Context
from app.errors import SafetyRefusal
from app.modelcheck import load_model_file
from app.paths import Home
from app.secrets import SecretStore


def do_show(args: argparse.Namespace, home: Home) -> int:
    ctx = Context(home, SecretStore())
    try:
        with ctx.client(ctx.profiles.get(args.name)) as client:
            print_json(client.get_model())
    finally:
        ctx.close()
    return 0


def do_validate(args: argparse.Namespace, home: Home) -> int:
    model = load_model_file(args.file)
    ctx = Context(home, SecretStore())
    try:
        info = operations.validate_model(ctx, ctx.profiles.get(args.name), model)
    finally:
        ctx.close()
    if args.json:
        print_json(info)
    else:
        print(f"{info['profile']}: {info['valid']}")
        for line in info["warnings"] + info["changes"]:
            print(f"  {line}")
    return 0 if info["valid"] != "never" else 3


def do_apply(args: argparse.Namespace, home: Home) -> int:
    model = load_model_file(args.file)
    ctx = Context(home, SecretStore())
    try:
        profile = ctx.profiles.get(args.name)
        if profile.protected and args.confirm != profile.name:
            raise SafetyRefusal(f"{profile.name} is protected; confirm with --confirm {profile.name}.")
        confirm(f"Update the model of {profile.name} ({profile.app})?", args.yes)
        result = operations.apply_model(
            ctx,
            profile,
            model,
            allow_data_loss=args.allow_data_loss,
            listener=stderr_listener(quiet=args.json),
        )
    finally:
        ctx.close()
    print_json(result.as_json()) if args.json else print(f"{result.status}: {result.message}")
    return result.exit_code
