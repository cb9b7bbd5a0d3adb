"""``promoter model show|validate|apply``: the console's model editor, with the promoter's safety."""

from __future__ import annotations

import argparse

from app.cli import exitcodes
from app.cli.output import confirm, print_json, stderr_listener
from app.cli.signals import cancel_on_signals
from app.engine import operations
from app.engine.context import Context
from app.engine.events import CancelToken
from app.engine.gates import Consent
from app.engine.modelapply import apply_model
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
        confirm(f"Update the model of {profile.name} ({profile.app})?", args.yes)
        consent = Consent(confirm=args.confirm, allow_data_loss=args.allow_data_loss, accept_drift=args.yes)
        with cancel_on_signals(CancelToken()) as token:
            result = apply_model(ctx, profile, model, consent, stderr_listener(quiet=args.json), token)
    finally:
        ctx.close()
    print_json(result.as_json()) if args.json else print(f"{result.status}: {result.message}")
    return exitcodes.for_result(result)
