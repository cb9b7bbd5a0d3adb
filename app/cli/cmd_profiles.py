"""``promoter profile ...``, ``secret set``, ``login`` and ``check``."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from app.cli.output import print_json
from app.engine import connect, operations
from app.engine.context import Context
from app.errors import UsageError
from app.paths import Home
from app.profiles import AUTH_KINDS, Profile, ProfileStore
from app.secrets import SecretStore


def register(sub: Any) -> None:
    prof = sub.add_parser("profile", help="saved environment profiles (no secrets in them)")
    psub = prof.add_subparsers(dest="profile_command", required=True, metavar="ACTION")
    add = psub.add_parser("add", help="save a profile")
    add.add_argument("name")
    add.add_argument("--url", required=True, help="base URL, e.g. https://api.backand.com")
    add.add_argument("--app", required=True, help="the Backand app name")
    add.add_argument("--auth", choices=AUTH_KINDS, default="password")
    add.add_argument("--username")
    add.add_argument("--signin-app", default="bko")
    add.add_argument("--stage", type=int, default=1, help="1 = dev, 2 = QA, ...")
    add.add_argument("--protected", action="store_true", help="production: writes need --confirm NAME")
    add.add_argument("--colour", default="#4a90d9")
    add.add_argument("--allow-insecure-http", action="store_true")
    add.set_defaults(func=profile_add)
    lst = psub.add_parser("list")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=profile_list)
    show = psub.add_parser("show")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=profile_show)
    rm = psub.add_parser("remove")
    rm.add_argument("name")
    rm.set_defaults(func=profile_remove)
    exp = psub.add_parser("export", help="write the profiles (without secrets) to a file")
    exp.add_argument("path", type=Path)
    exp.set_defaults(func=profile_export)
    imp = psub.add_parser("import", help="add the profiles of a file")
    imp.add_argument("path", type=Path)
    imp.set_defaults(func=profile_import)

    secret = sub.add_parser("secret", help="the keyring secrets of a profile")
    ssub = secret.add_subparsers(dest="secret_command", required=True, metavar="ACTION")
    sset = ssub.add_parser("set", help="read the secret from standard input into the keyring")
    sset.add_argument("name")
    sset.set_defaults(func=secret_set)

    login = sub.add_parser("login", help="sign in with a password; stores tokens, never the password")
    login.add_argument("name")
    login.set_defaults(func=do_login)

    chk = sub.add_parser("check", help="connect; report status, role and current version")
    chk.add_argument("name")
    chk.add_argument("--json", action="store_true")
    chk.set_defaults(func=do_check)


def profile_add(args: argparse.Namespace, home: Home) -> int:
    profile = Profile(
        name=args.name,
        base_url=args.url,
        app=args.app.lower(),
        auth=args.auth,
        username=args.username,
        signin_app=args.signin_app,
        stage=args.stage,
        protected=args.protected,
        colour=args.colour,
        allow_insecure_http=args.allow_insecure_http,
    )
    ProfileStore(home.profiles_file).upsert(profile)
    print(f"Saved profile {profile.name} ({profile.app} at {profile.base_url}, stage {profile.stage}).")
    return 0


def profile_list(args: argparse.Namespace, home: Home) -> int:
    profiles = ProfileStore(home.profiles_file).load()
    if args.json:
        print_json([p.as_json() for p in profiles])
        return 0
    if not profiles:
        print("No profiles yet: promoter profile add NAME --url URL --app APP")
    for p in profiles:
        lock = " [protected]" if p.protected else ""
        print(f"{p.stage}  {p.name:<12} {p.app:<16} {p.base_url}  auth={p.auth}{lock}")
    return 0


def profile_show(args: argparse.Namespace, home: Home) -> int:
    profile = ProfileStore(home.profiles_file).get(args.name)
    if args.json:
        print_json(profile.as_json())
    else:
        for key, value in profile.as_json().items():
            print(f"{key}: {value}")
    return 0


def profile_remove(args: argparse.Namespace, home: Home) -> int:
    ProfileStore(home.profiles_file).remove(args.name)
    SecretStore().delete(args.name)
    print(f"Removed profile {args.name} and its keyring secrets.")
    return 0


def profile_export(args: argparse.Namespace, home: Home) -> int:
    ProfileStore(home.profiles_file).export_to(args.path)
    print(f"Wrote the profiles (no secrets) to {args.path}.")
    return 0


def profile_import(args: argparse.Namespace, home: Home) -> int:
    if not args.path.exists():
        raise UsageError(f"{args.path} does not exist.")
    added = ProfileStore(home.profiles_file).import_from(args.path)
    print(f"Imported {len(added)} profiles: {', '.join(p.name for p in added)}. Set their secrets next.")
    return 0


def _read_secret(prompt: str) -> str:
    value = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise UsageError("No secret given on standard input.")
    return value


def secret_set(args: argparse.Namespace, home: Home) -> int:
    profile = ProfileStore(home.profiles_file).get(args.name)
    if profile.auth == "password":
        raise UsageError(
            f"Profile {profile.name} signs in with a password: use `promoter login {profile.name}`."
        )
    value = _read_secret("Keys (MASTER:USER): " if profile.auth == "keys" else "Bearer token: ")
    if profile.auth == "keys" and value.count(":") != 1:
        raise UsageError("Keys must be given as MASTER:USER.")
    store = SecretStore()
    store.set(profile.name, value)
    print(f"Stored the secret of {profile.name} in the keyring ({store.name}).")
    return 0


def do_login(args: argparse.Namespace, home: Home) -> int:
    profile = ProfileStore(home.profiles_file).get(args.name)
    password = _read_secret(f"Password for {profile.username} at {profile.base_url}: ")
    store = SecretStore()
    tokens = connect.login(profile, store, password)
    print(f"Signed in as {tokens.username} (role {tokens.role}); tokens stored in {store.name}.")
    return 0


def do_check(args: argparse.Namespace, home: Home) -> int:
    ctx = Context(home, SecretStore())
    try:
        info = operations.check(ctx, ctx.profiles.get(args.name))
    finally:
        ctx.close()
    if args.json:
        print_json(info)
    else:
        print(
            f"{info['profile']}: {info['app']} at {info['base_url']}: {info['status']}, role {info['role']}, "
            f"current configuration version {info['current_version']}"
        )
    return 0
