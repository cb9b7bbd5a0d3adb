"""``promoter plan`` and ``promote``.

Both begin downloading the source's export before they import the engine (see
app/engine/reads/headstart.py): a server builds that zip for most of a second, and the imports, the
keyring and the home's stores are ready by the time it arrives. So this module imports only what
that takes; the engine is imported inside the commands. SIGINT and SIGTERM become a cancel before
the download begins, so Ctrl+C at any moment stops it and leaves nothing behind. A promotion that
asks for confirmation begins nothing before the answer.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from typing import Any

from app.cli import exitcodes
from app.cli.cancel_by_signal import cancel_on_signals
from app.cli.exitcodes import Exit
from app.engine import gates
from app.engine.connect import client_settings
from app.engine.events import CancelToken
from app.engine.gates import Consent
from app.engine.reads import planrecord
from app.engine.reads.headstart import HeadStart
from app.errors import PromoterError, UsageError
from app.paths import Home
from app.plural import count
from app.profiles import ProfileStore
from app.secrets import SecretStore
from app.settings import load as load_settings


def _head_start(
    home: Home,
    source_name: str,
    target_name: str,
    cancel: CancelToken,
    consent: Consent | None = None,
    *,
    seen: bool = False,
) -> HeadStart | None:
    """The source's export, asked for now; None where it cannot begin: an unknown profile or an
    unreadable settings file (the engine then says what is wrong), no secret (the plan's Connect
    step says so), a source that is the target (promote refuses; a plan reads the profile twice),
    a promotion (with its *consent*) that a gate refuses before anything is read."""
    try:
        profiles = ProfileStore(home.profiles_file)
        source, target = profiles.get(source_name), profiles.get(target_name)
        settings = client_settings(load_settings(home.settings_file))
    except (PromoterError, OSError):
        return None
    if source.name == target.name:
        return None
    if consent is not None and gates.before_reading(source, target, consent):
        return None
    return HeadStart.begin(source, SecretStore(), settings, home.tmp_dir, cancel.is_set, seen=seen)


def _sides(args: argparse.Namespace) -> None:
    """SOURCE TARGET, or --release NAME TARGET: with a release, the one positional is the target."""
    if args.release is not None:
        from app.archive.releases import check_name

        check_name(args.release)
        if args.target is not None:
            raise UsageError(
                f"With --release, give only the TARGET (not {args.source} {args.target}): the release "
                "is the source."
            )
        args.source, args.target = None, args.source
    elif args.target is None:
        raise UsageError("Give SOURCE and TARGET, or --release NAME and TARGET.")


def _print_plan(summary: dict[str, Any]) -> None:
    print(f"Plan: {summary.get('source_label') or summary['source']} -> {summary['target']}")
    if summary.get("release"):
        print(f"  release: {summary['release']} (taken from {summary['source']})")
    print(f"  validation: {summary['valid']}")
    for line in summary["warnings"]:
        print(f"    warning: {line}")
    print(f"  model: {count(summary['model_changes'], 'change')}")
    for line in summary["model_diff"]:
        print(f"    {line}")
    print(f"  configuration: {count(summary['config_changes'], 'change')}")
    for line in summary["config_diff"]:
        print(f"    {line}")
    shaping = summary.get("shaping_lines") or []
    if shaping:
        effects = [line for line in shaping if not line.startswith("--no-rules")]
        print(f"  rules and exclusions: {count(len(effects), 'effect')}")
        for line in shaping:
            print(f"    {line}")
    security = summary.get("security") or {}
    if security.get("changes"):
        print(
            f"  security: {count(security['weakening'], 'change')} widening access, "
            f"{security['narrowing']} narrowing, {count(security['code'], 'server-side code change')}"
        )
        for line in summary.get("security_lines", []):
            print(f"    {line}")
        if security.get("reason"):
            print(f"    accepted: {security['reason']}")
    if summary["drift"]:
        print("  DRIFT: the target was changed outside the promoter since its last promotion:")
        for line in summary["drift"]:
            print(f"    {line}")
    if summary.get("drifted") and not summary["drift"]:
        print(f"  DRIFT: the target changed outside the promoter since run #{summary['drift_since']}")
    if summary.get("source_drifted"):
        print(
            f"  SOURCE CHANGED: {summary['source']} changed since run #{summary['source_drift_since']}, "
            "the promoter's last verified write into it:"
        )
        for line in summary.get("source_drift") or ["(details unavailable)"]:
            print(f"    {line}")
    if summary.get("unverified_source_accepted"):
        print("    accepted: a source state never promoted through it (--accept-unverified-source)")
    print(f"  archive: source #{summary['export_id']}, target #{summary['backup_id']}")


def do_plan(args: argparse.Namespace, home: Home) -> int:
    _sides(args)
    with cancel_on_signals(CancelToken()) as token:
        head = None if args.release else _head_start(home, args.source, args.target, token, seen=True)
        try:
            from app.cli.cmd_target import open_context
            from app.cli.output import stderr_listener
            from app.engine.ops.promote import plan_promotion
            from app.engine.reads.plan import PromoteOptions

            ctx = open_context(home)
            try:
                source, archived = _source(ctx, args)
                target = ctx.profiles.get(args.target)
                options = PromoteOptions(exclude=tuple(args.exclude), no_rules=args.no_rules)
                listener = stderr_listener(quiet=args.json)
                result = plan_promotion(
                    ctx, source, target, options, listener, token, head, begin_head=False, archived=archived
                )
            finally:
                ctx.close()
        finally:
            if head is not None:
                head.close()
    from app.cli.gateflags import print_gates, with_flags
    from app.cli.output import print_json
    from app.engine.result import Status

    if args.json:
        print_json(
            with_flags(result.plan, args.target) | {"status": result.status.value, "message": result.message}
        )
    elif result.plan:
        _print_plan(result.plan)
    if result.status is not Status.DRY_RUN:
        print(f"promoter: {result.message}", file=sys.stderr)
        return exitcodes.for_result(result)
    out = sys.stderr if args.json else sys.stdout
    print_gates(result.plan.get("gates", []), args.target, out)
    print(f"  to promote exactly this plan: --expect-plan {result.plan['stamp']}", file=out)
    return Exit.OK


def _source(ctx: Any, args: argparse.Namespace) -> tuple[Any, Any]:
    """The promotion's source profile, and the release's archived source when --release names one."""
    if args.release is None:
        return ctx.profiles.get(args.source), None
    from app.engine.reads.releases import source_of

    return source_of(ctx, args.release)


def do_promote(args: argparse.Namespace, home: Home) -> int:
    _sides(args)
    if args.accept_security is not None:  # bad words are refused before anything is asked or read
        from app.engine.security import check_reason

        args.accept_security = check_reason(args.accept_security)
    if not (args.yes or args.dry_run):  # the question first: nothing is asked of a server before it
        return _promote(args, home, None, None)
    with cancel_on_signals(CancelToken()) as token:
        consent = None if args.dry_run else Consent(args.confirm, allow_skip_stage=args.allow_skip_stage)
        recorded = args.expect_plan and planrecord.path_for(home, args.expect_plan).exists()
        # a confirmed plan's read of the source is likely sent instead: its export is not asked for
        skip = args.release or recorded
        head = None if skip else _head_start(home, args.source, args.target, token, consent)
        try:
            return _promote(args, home, head, token)
        finally:
            if head is not None:
                head.close()


def _promote(args: argparse.Namespace, home: Home, head: HeadStart | None, token: CancelToken | None) -> int:
    from app.cli.cmd_target import open_context
    from app.cli.gateflags import print_gates, with_flags
    from app.cli.output import confirm, print_json, stderr_listener
    from app.engine.ops.promote import promote
    from app.engine.reads.plan import PromoteOptions
    from app.engine.result import BAD_STATE

    ctx = open_context(home)
    try:
        source, archived = _source(ctx, args)
        target = ctx.profiles.get(args.target)
        options = PromoteOptions(
            yes=args.yes,
            confirm=args.confirm,
            dry_run=args.dry_run,
            allow_data_loss=args.allow_data_loss,
            allow_skip_stage=args.allow_skip_stage,
            skip_model=args.skip_model,
            skip_config=args.skip_config,
            expect_stamp=args.expect_plan,
            exclude=tuple(args.exclude),
            no_rules=args.no_rules,
            accept_security=args.accept_security,
            accept_unverified_source=args.accept_unverified_source,
            allow_other_app=args.allow_other_app,
        )
        if not args.dry_run:
            what = (
                f"{source.name} ({source.app})" if archived is None else f"{archived.label} (of {source.app})"
            )
            confirm(f"Promote {what} into {target.name} ({target.app})?", args.yes)
        started = time.monotonic()
        # with a token, this command began the head start itself (no question was asked)
        signals = cancel_on_signals(CancelToken()) if token is None else contextlib.nullcontext(token)
        with signals as cancel:
            listener = stderr_listener(quiet=args.json)
            result = promote(
                ctx,
                source,
                target,
                options,
                listener,
                cancel,
                head,
                begin_head=token is None and archived is None,
                archived=archived,
            )
    finally:
        ctx.close()
    if args.json:
        print_json(with_flags(result.as_json(), args.target))
    else:
        if result.plan:
            _print_plan(result.plan)
        print(f"{result.status}: {result.message} ({time.monotonic() - started:.1f} s)")
        print_gates([r.as_json() for r in result.refusals], args.target, sys.stdout, refused=True)
    if result.status in BAD_STATE:
        print(f"promoter: WARNING: {result.message}", file=sys.stderr)
    return exitcodes.for_result(result)
