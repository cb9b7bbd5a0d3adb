"""``promoter model show|validate|apply``: the console's model editor, with the promoter's safety."""

from __future__ import annotations

import argparse

from app.cli.exitcodes import Exit
from app.cli.output import print_json
from app.engine.context import Context
from app.engine.ops.modelapply import apply_model, model_source
from app.engine.reads import one_target
from app.kinds import Valid
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
    return Exit.OK


def do_validate(args: argparse.Namespace, home: Home) -> int:
    model = load_model_file(args.file)
    ctx = Context(home, SecretStore())
    try:
        info = one_target.validate_model(ctx, ctx.profiles.get(args.name), model)
    finally:
        ctx.close()
    if args.json:
        print_json(info)
    else:
        print(f"{info['profile']}: {info['valid']}")
        for line in info["warnings"] + info["changes"]:
            print(f"  {line}")
    return Exit.OK if info["valid"] != Valid.NEVER else Exit.REFUSED


def do_apply(args: argparse.Namespace, home: Home) -> int:
    from app.cli.cmd_target import planned_write

    model = load_model_file(args.file)
    label = f"model file {args.file.name}"
    return planned_write(
        args,
        home,
        "model",
        f"Update the model of {args.name}?",
        lambda ctx: (ctx.profiles.get(args.name), model_source(model, label)),
        lambda ctx, profile, _source, *rest, **kw: apply_model(ctx, profile, model, *rest, label=label, **kw),
    )
