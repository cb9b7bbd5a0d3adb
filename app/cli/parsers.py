"""All subcommands and their arguments, declared without importing what runs them.

Each command names its handler as ``"module:function"``; ``main`` imports it only when it runs, so
``promoter --version`` and ``--help`` stay fast (no requests, keyring, werkzeug or Qt).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

AUTH_KINDS = ("password", "keys", "token")  # app.profile.AUTH_KINDS (a test keeps them equal)
SQLITE_MAX = 2**63 - 1  # the largest integer SQLite holds: every id and count given to a query
DIGITS = re.compile(r"[0-9]{1,19}")
VERSION = re.compile(r"[A-Za-z0-9._+-]{1,64}")
DECIMAL = re.compile(r"[0-9]{1,12}(?:\.[0-9]{0,12})?|\.[0-9]{1,12}")


class Parser(argparse.ArgumentParser):
    """``argparse`` with one repair: ``--opt=--`` gives the option the value ``--`` (argparse drops
    the ``--`` and gives it an empty list, which no command expects), so that the option's own check
    says what is wrong with it."""

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        if action.option_strings and action.nargs is None and arg_strings == ["--"]:
            value = self._get_value(action, "--")
            self._check_value(action, value)
            return value
        return super()._get_values(action, arg_strings)


def whole(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argument type: a whole number written in decimal digits, from *low* to *high*."""

    def parse(text: str) -> int:
        if not DIGITS.fullmatch(text.strip()) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(
                f"{what} must be a whole number from {low} to {high}, not {text[:40]!r}"
            )
        return int(text)

    parse.__name__ = what  # argparse names the type in some messages
    return parse


def amount(high: float, what: str) -> Callable[[str], float]:
    """An argument type: a finite decimal number from 0 to *high*."""

    def parse(text: str) -> float:
        value = float(text) if DECIMAL.fullmatch(text.strip()) else -1.0
        if not 0 <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be a number from 0 to {high:g}, not {text[:40]!r}")
        return value

    parse.__name__ = what
    return parse


def version_label(text: str) -> str:
    """A server version's label (``1.0.42``, ``up20261206…``): at most 64 characters of letters,
    digits and ``._+-``; anything else is no label the server gives (and would follow the label into
    notes, file names and bundles)."""
    if not VERSION.fullmatch(text):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise argparse.ArgumentTypeError(
            f"{shown!r} is not a version label: at most 64 letters, digits, '.', '_', '+' or '-' "
            "(`promoter versions NAME` lists them)"
        )
    return text


run_id = whole(1, SQLITE_MAX, "a run id")
entry_id = whole(1, SQLITE_MAX, "an archive entry id")
rule_id = whole(1, SQLITE_MAX, "a rule id")


def selector(text: str) -> str:
    """``--exclude``'s value: a selector (checked here, so a bad one is a usage error before anything
    is read); the engine takes it as written."""
    from app.errors import UsageError
    from app.shaping.selectors import parse

    try:
        parse(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    return text


def entry_or_path(text: str) -> str:
    """``restore``'s source: an archive entry id (checked as one) or a path to a .zip."""
    if text.isdigit():  # what restore takes for an id (any script's digits): a valid one, or refused
        entry_id(text)
    return text


CONFIRM_HELP = "type the protected profile's name: changing a protected profile needs it"


def register_all(sub: Any, command: str | None = None) -> None:
    """Declare the subcommands: only the group of *command* when it names one (a run parses one
    command, and declaring all ~45 parsers costs ~10 ms of every start), else all of them (for
    ``--help``, and for an unknown command, whose error lists them)."""
    known = {name for _register, names in _GROUPS for name in names}
    for register, names in _GROUPS:
        if command not in known or command in names:
            register(sub)


def _cmd_gui(sub: Any) -> None:
    gui = sub.add_parser("gui", help="the desktop app (the default)")
    gui.add_argument("--quit-after", type=float, metavar="SECONDS", help=argparse.SUPPRESS)
    gui.set_defaults(handler="app.cli.commands:cmd_gui")


def _cmd_sandbox(sub: Any) -> None:
    parser = sub.add_parser("sandbox", help="run the Backand-compatible sandbox until interrupted")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback only unless --public)")
    parser.add_argument("--port", type=whole(0, 65535, "a port"), default=0, help="port (0: a free one)")
    parser.add_argument("--data", type=Path, help="data folder (default: HOME/sandbox)")
    parser.add_argument("--public", action="store_true", help="allow a non-loopback address")
    parser.set_defaults(handler="app.cli.cmd_sandbox:run")


def _cmd_demo(sub: Any) -> None:
    demo = sub.add_parser("demo", help="the sandbox, three demo profiles and the window")
    demo.add_argument("--no-gui", action="store_true", help="set everything up, print it, and exit")
    demo.add_argument(
        "--keep-home", action="store_true", help="keep the demo's home (archive, history) when it quits"
    )
    demo.set_defaults(handler="app.cli.cmd_demo:run", needs_home=False)


def _cmd_profiles(sub: Any) -> None:
    prof = sub.add_parser("profile", help="saved environment profiles (no secrets in them)")
    psub = prof.add_subparsers(dest="profile_command", required=True, metavar="ACTION")
    add = psub.add_parser("add", help="save a profile")
    add.add_argument("name")
    add.add_argument("--url", required=True, help="base URL, e.g. https://api.backand.com")
    add.add_argument("--app", required=True, help="the Backand app name")
    add.add_argument("--auth", choices=AUTH_KINDS, default="password")
    add.add_argument("--username")
    add.add_argument("--signin-app", default="bko")
    add.add_argument("--stage", type=whole(1, 1000, "a stage"), default=1, help="1 = dev, 2 = QA, ...")
    add.add_argument("--protected", action="store_true", help="production: writes need --confirm NAME")
    add.add_argument("--colour", default="#4a90d9")
    add.add_argument("--allow-insecure-http", action="store_true")
    add.add_argument("--confirm", metavar="NAME", help=CONFIRM_HELP)
    add.set_defaults(handler="app.cli.cmd_profiles:profile_add")
    lst = psub.add_parser("list")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler="app.cli.cmd_profiles:profile_list")
    show = psub.add_parser("show")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler="app.cli.cmd_profiles:profile_show")
    rm = psub.add_parser("remove")
    rm.add_argument("name")
    rm.add_argument("--confirm", metavar="NAME", help=CONFIRM_HELP)
    rm.set_defaults(handler="app.cli.cmd_profiles:profile_remove")
    protect = psub.add_parser("protect", help="protect a profile: writes into it need --confirm NAME")
    protect.add_argument("name")
    protect.set_defaults(handler="app.cli.cmd_profiles:profile_protect")
    unprotect = psub.add_parser("unprotect", help="remove a profile's protection (needs --confirm NAME)")
    unprotect.add_argument("name")
    unprotect.add_argument("--confirm", metavar="NAME", help=CONFIRM_HELP)
    unprotect.set_defaults(handler="app.cli.cmd_profiles:profile_protect")
    exp = psub.add_parser("export", help="write the profiles (without secrets) to a file")
    exp.add_argument("path", type=Path)
    exp.set_defaults(handler="app.cli.cmd_profiles:profile_export")
    imp = psub.add_parser("import", help="add the profiles of a file")
    imp.add_argument("path", type=Path)
    imp.add_argument(
        "--confirm", metavar="NAME", action="append", default=[], help=CONFIRM_HELP + " (repeatable)"
    )
    imp.set_defaults(handler="app.cli.cmd_profiles:profile_import")

    secret = sub.add_parser("secret", help="the keyring secrets of a profile")
    ssub = secret.add_subparsers(dest="secret_command", required=True, metavar="ACTION")
    sset = ssub.add_parser("set", help="read the secret from standard input into the keyring")
    sset.add_argument("name")
    sset.set_defaults(handler="app.cli.cmd_profiles:secret_set")
    smig = ssub.add_parser(
        "migrate", help="bind an older promoter's keyring entry (keyed by the name) to the profile"
    )
    smig.add_argument("name")
    smig.set_defaults(handler="app.cli.cmd_profiles:secret_migrate")

    login = sub.add_parser("login", help="sign in with a password; stores tokens, never the password")
    login.add_argument("name")
    login.set_defaults(handler="app.cli.cmd_profiles:do_login")

    chk = sub.add_parser("check", help="connect; report status, role and current version")
    chk.add_argument("name")
    chk.add_argument("--json", action="store_true")
    chk.set_defaults(handler="app.cli.cmd_profiles:do_check")


def _cmd_promote(sub: Any) -> None:
    over = sub.add_parser("overview", help="every environment in stage order and what lies between them")
    over.add_argument("--json", action="store_true")
    over.add_argument(
        "--full",
        action="store_true",
        help="download every environment and compare every step again (by default an environment "
        "whose label, versions and model are unchanged is not re-read, and says so)",
    )
    over.set_defaults(handler="app.cli.cmd_overview:run")

    plan = sub.add_parser(
        "plan", help="the read-only preflight: diffs, validation, drift", usage=_usage("plan")
    )
    _source_target(plan)
    _shaping_args(plan)
    plan.add_argument("--json", action="store_true")
    plan.set_defaults(handler="app.cli.cmd_promote:do_plan")

    prom = sub.add_parser(
        "promote", help="promote SOURCE's model and configuration into TARGET", usage=_usage("promote")
    )
    _source_target(prom)
    prom.add_argument("--yes", action="store_true", help="do not ask; accept reported drift")
    prom.add_argument("--confirm", metavar="NAME", help="type the protected target's name")
    prom.add_argument("--dry-run", action="store_true")
    prom.add_argument("--allow-data-loss", action="store_true")
    prom.add_argument("--allow-skip-stage", action="store_true")
    prom.add_argument("--skip-model", action="store_true")
    prom.add_argument("--skip-config", action="store_true")
    prom.add_argument(
        "--expect-plan", metavar="STAMP", help="refuse unless source and target are as `plan` showed"
    )
    prom.add_argument(
        "--accept-security",
        metavar="REASON",
        help="widen access in a protected target (see the plan's Security section); REASON in words, "
        "recorded in history",
    )
    prom.add_argument(
        "--accept-unverified-source",
        action="store_true",
        help="into a protected target, send a source that changed since the promoter last verified "
        "a write into it (recorded in history)",
    )
    prom.add_argument(
        "--allow-other-app",
        action="store_true",
        help="promote a release taken from none of this home's environments",
    )
    _shaping_args(prom)
    prom.add_argument("--json", action="store_true")
    prom.set_defaults(handler="app.cli.cmd_promote:do_promote")

    exp = sub.add_parser("export", help="download the configuration into the archive")
    exp.add_argument("name")
    exp.add_argument("--version", type=version_label)
    exp.add_argument("--json", action="store_true")
    exp.set_defaults(handler="app.cli.cmd_target:do_export")

    ver = sub.add_parser("versions", help="the server's saved versions, newest first")
    ver.add_argument("name")
    ver.add_argument("--json", action="store_true")
    ver.set_defaults(handler="app.cli.cmd_target:do_versions")

    rb = sub.add_parser("rollback", help='"Set": restore a server-side version, then clear the cache')
    rb.add_argument("name")
    rb.add_argument("version", type=version_label)
    _planned_write_flags(rb, model=False)
    rb.set_defaults(handler="app.cli.cmd_target:do_rollback")

    rs = sub.add_parser("restore", help="load a configuration zip (archive id or path) into the app")
    rs.add_argument("name")
    rs.add_argument("source", type=entry_or_path, help="an archive entry id, or a path to a .zip")
    _planned_write_flags(rs, model=True)
    rs.add_argument(
        "--model",
        type=Path,
        metavar="FILE",
        help="a model to restore with the zip (validated, as model apply)",
    )
    rs.set_defaults(handler="app.cli.cmd_target:do_restore")

    und = sub.add_parser("undo", help="put a run's backup (model and configuration) back; mark it undone")
    und.add_argument("run_id", type=run_id)
    _planned_write_flags(und, model=True)
    und.set_defaults(handler="app.cli.cmd_target:do_undo")

    hist = sub.add_parser("history", help="past promotions, rollbacks and restores")
    hist.add_argument("--json", action="store_true")
    hist.add_argument("--limit", type=whole(1, SQLITE_MAX, "the limit"), default=20)
    hist.set_defaults(handler="app.cli.cmd_target:do_history")


def _cmd_archive(sub: Any) -> None:
    arc = sub.add_parser("archive", help="the local archive of configuration zips")
    asub = arc.add_subparsers(dest="archive_command", required=True, metavar="ACTION")
    lst = asub.add_parser("list")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--profile")
    lst.add_argument("--kind")
    lst.add_argument("--all", action="store_true", help="list plan reads too (kind plan, hidden by default)")
    lst.set_defaults(handler="app.cli.cmd_archive:do_list")
    show = asub.add_parser("show")
    show.add_argument("id", type=entry_id)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler="app.cli.cmd_archive:do_show")
    ver = asub.add_parser("verify", help="re-hash the files against the index (--deep: re-test each zip)")
    ver.add_argument("ids", type=entry_id, nargs="*")
    ver.add_argument("--deep", action="store_true", help="also re-run the zip check and the CRCs")
    ver.set_defaults(handler="app.cli.cmd_archive:do_verify")
    imp = asub.add_parser("import")
    imp.add_argument("path", type=Path)
    imp.add_argument("--profile", required=True)
    imp.set_defaults(handler="app.cli.cmd_archive:do_import")
    prune = asub.add_parser("prune", help="apply the retention rule (settings: keep_per_kind, keep_days)")
    prune.add_argument(
        "--keep",
        type=whole(0, SQLITE_MAX, "the number kept"),
        help="newest entries kept per profile and kind",
    )
    prune.add_argument(
        "--days", type=amount(36500, "the number of days"), help="and every entry younger than this many days"
    )
    prune.add_argument(
        "--plan-days",
        type=amount(36500, "the number of days"),
        help="plan reads younger than this many days are kept (their only rule)",
    )
    prune.add_argument("--profile")
    prune.add_argument("--dry-run", action="store_true", help="say what would be deleted; delete nothing")
    prune.set_defaults(handler="app.cli.cmd_archive:do_prune")
    eb = asub.add_parser("export-bundle", help="copy entries, a manifest and SHA256SUMS into a folder")
    eb.add_argument("dir", type=Path)
    eb.add_argument("--since", metavar="YYYY-MM-DD", help="only entries made on or after this day")
    eb.add_argument("--profile", action="append", default=[], help="only these profiles (repeatable)")
    eb.set_defaults(handler="app.cli.cmd_archive:do_export_bundle")
    ib = asub.add_parser("import-bundle", help="verify a bundle folder, then add what the archive lacks")
    ib.add_argument("dir", type=Path)
    ib.add_argument("--json", action="store_true")
    ib.set_defaults(handler="app.cli.cmd_archive:do_import_bundle")


def _usage(command: str) -> str:
    return f"%(prog)s SOURCE TARGET [options]\n       promoter {command} --release NAME TARGET [options]"


def _source_target(parser: Any) -> None:
    """SOURCE TARGET, or --release NAME and TARGET alone (the handler tells them apart)."""
    parser.add_argument("source", metavar="SOURCE")
    parser.add_argument("target", metavar="TARGET", nargs="?")
    parser.add_argument(
        "--release", metavar="NAME", help="promote this release (`promoter release list`) instead of SOURCE"
    )


def _cmd_release(sub: Any) -> None:
    rel = sub.add_parser("release", help="named, pinned snapshots of an environment, promoted as they were")
    rsub = rel.add_subparsers(dest="release_command", required=True, metavar="ACTION")
    create = rsub.add_parser("create", help="take ENV's model and configuration as a release")
    create.add_argument("env", metavar="ENV")
    create.add_argument("--name", help="the release's name (default: ENV and the time)")
    create.add_argument("--note", help="what this release is, in words")
    create.add_argument("--replace", action="store_true", help="replace a release of that name")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler="app.cli.cmd_release:do_create")
    lst = rsub.add_parser("list", help="the releases, oldest first")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler="app.cli.cmd_release:do_list")
    show = rsub.add_parser("show", help="one release: where it came from, when, verified or not")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler="app.cli.cmd_release:do_show")
    rem = rsub.add_parser("remove", help="forget a release and delete its pinned entry (asks first)")
    rem.add_argument("name")
    rem.add_argument("--yes", action="store_true", help="do not ask")
    rem.set_defaults(handler="app.cli.cmd_release:do_remove")


def _planned_write_flags(parser: Any, *, model: bool, config: bool = True) -> None:
    """The flags every planned write shares: its plan alone, JSON, and one consent per gate."""
    parser.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    parser.add_argument(
        "--yes", action="store_true", help="do not ask; also accept drift and later runs' writes"
    )
    parser.add_argument("--confirm", metavar="NAME", help="the name of a protected target")
    if model:
        parser.add_argument(
            "--allow-data-loss", action="store_true", help="let the model written drop tables or columns"
        )
    if config:
        parser.add_argument(
            "--accept-security",
            metavar="REASON",
            help="widen access in a protected target; the reason, in words, is recorded in history",
        )
        parser.add_argument(
            "--config-only",
            action="store_true",
            help="write a configuration that does not match the target's model",
        )
    parser.add_argument("--json", action="store_true")


def _cmd_model(sub: Any) -> None:
    model = sub.add_parser("model", help="read, validate or update an app's data model")
    msub = model.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    show = msub.add_parser("show", help="print the app's model as JSON")
    show.add_argument("name")
    show.set_defaults(handler="app.cli.cmd_model:do_show")
    val = msub.add_parser("validate", help="validate a model file on the app (read-only)")
    val.add_argument("name")
    val.add_argument("file", type=Path)
    val.add_argument("--json", action="store_true")
    val.set_defaults(handler="app.cli.cmd_model:do_validate")
    app = msub.add_parser("apply", help='"Validate & Update": back up, apply, verify, roll back on failure')
    app.add_argument("name")
    app.add_argument("file", type=Path)
    _planned_write_flags(app, model=True, config=False)
    app.set_defaults(handler="app.cli.cmd_model:do_apply")


def _cmd_backup(sub: Any) -> None:
    backup = sub.add_parser(
        "backup",
        help="archive the live configuration, the model and new server versions; "
        "`backup drill [PROFILE…]`: restore each newest backup into a sandbox and check it",
    )
    backup.add_argument("profiles", nargs="*", metavar="PROFILE")
    backup.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="NAME",
        help="back up this profile (repeatable): for a profile named like a word of this command (drill)",
    )
    backup.add_argument(
        "--drill",
        choices=("daily", "weekly"),
        help="(the scheduled job) also drill each environment whose last drill is older than this",
    )
    backup.add_argument("--all", action="store_true", help="every environment (the default with no PROFILE)")
    backup.add_argument(
        "--jobs",
        type=whole(1, 32, "the number of jobs"),
        default=3,
        help="environments backed up at once (default 3)",
    )
    backup.add_argument("--scheduled", action="store_true", help=argparse.SUPPRESS)
    backup.add_argument("--json", action="store_true")
    backup.set_defaults(handler="app.cli.cmd_backup:do_backup")

    sched = sub.add_parser(
        "schedule", help="this home's backups on a schedule (systemd timer, crontab, LaunchAgent, schtasks)"
    )
    ssub = sched.add_subparsers(dest="schedule_command", required=True, metavar="ACTION")
    inst = ssub.add_parser("install")
    inst.add_argument("profiles", nargs="*", metavar="PROFILE")
    inst.add_argument("--all", action="store_true")
    inst.add_argument("--every", required=True, help="daily, weekly or Nh (N: 1, 2, 3, 4, 6, 8, 12)")
    inst.add_argument("--at", default="03:00", help="HH:MM (default 03:00; with Nh: the first run)")
    inst.add_argument(
        "--drill",
        choices=("daily", "weekly"),
        help="after the backups, restore-drill each environment this often (in a sandbox)",
    )
    inst.set_defaults(handler="app.cli.cmd_backup:do_schedule_install")
    stat = ssub.add_parser("status")
    stat.add_argument("--json", action="store_true")
    stat.set_defaults(handler="app.cli.cmd_backup:do_schedule_status")
    rem = ssub.add_parser("remove")
    rem.set_defaults(handler="app.cli.cmd_backup:do_schedule_remove")


class _Text(argparse.Action):
    """An option's one text, kept as given even when it is ``--`` (Python 3.11's argparse turns
    ``--exclude=--`` into an empty list, which reached the handlers as a list)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: str | None = None) -> None:
        if values == []:
            values = "--"
        if not isinstance(values, str):
            parser.error(f"argument {option_string}: expected one text, not {values!r}")
        setattr(namespace, self.dest, self.store(getattr(namespace, self.dest, None), values))

    def store(self, _before: Any, text: str) -> Any:
        return text


class _Selectors(_Text):
    """``--exclude``: repeatable, each a selector checked as it is parsed (before anything is read)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: str | None = None) -> None:
        from app.errors import UsageError
        from app.shaping.selectors import for_shaping

        try:
            for_shaping(values if isinstance(values, str) else "--")
        except UsageError as exc:
            parser.error(f"argument {option_string}: {exc.message}")
        super().__call__(parser, namespace, values, option_string)

    def store(self, before: Any, text: str) -> Any:
        return [*(before or []), text]


def _shaping_args(parser: Any) -> None:
    parser.add_argument(
        "--exclude",
        action=_Selectors,
        default=[],
        type=selector,
        metavar="SELECTOR",
        help="leave this change out of this promotion (repeatable): model:OBJ[.FIELD], Table[Name][.Column]",
    )
    parser.add_argument(
        "--no-rules", action="store_true", help="ignore the target's rules (said in the plan)"
    )


def _cmd_rules(sub: Any) -> None:
    rules = sub.add_parser("rules", help="what a target always keeps or rewrites in promotions into it")
    rsub = rules.add_subparsers(dest="rules_command", required=True, metavar="COMMAND")
    add = rsub.add_parser(
        "add", help="add a rule to TARGET: keep SELECTOR, or replace SELECTOR --find --with"
    )
    add.add_argument("target")
    add.add_argument("kind", choices=("keep", "replace"))
    add.add_argument("selector", help="Database.DisplayName, Rule[Name], Rule[Name].Code, model:obj[.field]")
    add.add_argument("--find", action=_Text, metavar="TEXT", help="replace: the text to find")
    add.add_argument(
        "--with", dest="with_", action=_Text, metavar="TEXT", help="replace: the text to put instead"
    )
    add.add_argument("--regex", action="store_true", help="replace: --find is a regular expression")
    add.add_argument("--confirm", metavar="NAME", help=CONFIRM_HELP)
    add.set_defaults(handler="app.cli.cmd_rules:do_add")
    lst = rsub.add_parser("list", help="the rules of one target, or of every profile")
    lst.add_argument("target", nargs="?")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler="app.cli.cmd_rules:do_list")
    rem = rsub.add_parser("remove", help="remove rule ID from TARGET")
    rem.add_argument("target")
    rem.add_argument("id", type=rule_id)
    rem.add_argument("--confirm", metavar="NAME", help=CONFIRM_HELP)
    rem.set_defaults(handler="app.cli.cmd_rules:do_remove")


# Each group's function and the top-level commands it declares (a test holds them equal).
_GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (_cmd_sandbox, ("sandbox",)),
    (_cmd_demo, ("demo",)),
    (_cmd_profiles, ("profile", "secret", "login", "check")),
    (
        _cmd_promote,
        ("overview", "plan", "promote", "export", "versions", "rollback", "restore", "undo", "history"),
    ),
    (_cmd_archive, ("archive",)),
    (_cmd_release, ("release",)),
    (_cmd_model, ("model",)),
    (_cmd_backup, ("backup", "schedule")),
    (_cmd_rules, ("rules",)),
    (_cmd_gui, ("gui",)),
)
