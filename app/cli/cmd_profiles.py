"""``promoter profile ...``, ``secret set``, ``login`` and ``check``."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TypeVar

from app.cli.exitcodes import Exit
from app.cli.output import print_json
from app.engine import connect
from app.engine.context import Context
from app.engine.history import HistoryJournal
from app.engine.reads import one_target
from app.errors import SafetyRefusal, UsageError
from app.paths import Home
from app.profile import Profile
from app.profileguard import LostProtection, ProtectedProfileChange
from app.profiles import ProfileStore
from app.secrets import SecretStore

T = TypeVar("T")


def warn_lost_protection(lost: list[LostProtection], home: Home) -> None:
    """Say each protected profile whose file was edited by hand to unprotect it, and what to do."""
    for item in lost:
        print(
            f"promoter: WARNING: {item.message(str(home.profiles_file))} If that was meant, confirm it: "
            f"promoter profile unprotect {item.name} --confirm {item.name}; if not, put it back: "
            f"promoter profile protect {item.name}",
            file=sys.stderr,
        )


def profile_store(home: Home, warn: bool = True) -> ProfileStore:
    """The home's profiles, their changes recorded in its history; a protection removed by hand said."""
    store = ProfileStore(home.profiles_file, HistoryJournal(home.history_db))
    if warn:
        warn_lost_protection(store.lost_protection(), home)
    return store


@contextmanager
def confirm_flags() -> Iterator[None]:
    """A protected profile's change refused: the message names the profiles and the flag to add."""
    try:
        yield
    except ProtectedProfileChange as exc:
        flags = " ".join(f"--confirm {name}" for name in exc.needed)
        raise SafetyRefusal(f"{exc.message} To go on, run it again with {flags}.") from None


def guarded(action: Callable[[], T]) -> T:
    with confirm_flags():
        return action()


def profile_add(args: argparse.Namespace, home: Home) -> int:
    profile = Profile(
        name=args.name,
        base_url=args.url.strip(),  # as typed, without the spaces a paste brings
        app=args.app.lower(),
        auth=args.auth,
        username=args.username,
        signin_app=args.signin_app,
        stage=args.stage,
        protected=args.protected,
        colour=args.colour,
        allow_insecure_http=args.allow_insecure_http,
    )
    store = profile_store(home)
    before = next((p for p in store.load() if p.name == profile.name), None)
    saved = guarded(lambda: store.upsert(profile, args.confirm))
    print(f"Saved profile {profile.name} ({profile.app} at {profile.base_url}, stage {profile.stage}).")
    if before is not None and before.address_key != saved.address_key:
        SecretStore().delete(before)  # bound to the old server and app: never sent to the new one
        print(f"It now points elsewhere: its secret was forgotten; set it again for {saved.base_url}.")
    return Exit.OK


def profile_list(args: argparse.Namespace, home: Home) -> int:
    profiles = profile_store(home).load()
    if args.json:
        print_json([p.as_json() for p in profiles])
        return Exit.OK
    if not profiles:
        print("No profiles yet: promoter profile add NAME --url URL --app APP")
    for p in profiles:
        lock = " [protected]" if p.protected else ""
        print(f"{p.stage}  {p.name:<12} {p.app:<16} {p.base_url}  auth={p.auth}{lock}")
    return Exit.OK


def profile_show(args: argparse.Namespace, home: Home) -> int:
    profile = profile_store(home).get(args.name)
    if args.json:
        print_json(profile.as_json())
    else:
        for key, value in profile.as_json().items():
            print(f"{key}: {value}")
    return Exit.OK


def profile_remove(args: argparse.Namespace, home: Home) -> int:
    store = profile_store(home)
    profile = store.get(args.name)
    with confirm_flags():  # asked before anything is deleted
        store.remove(args.name, args.confirm)
    SecretStore().delete(profile)  # this home's profile's secrets, no one else's
    print(f"Removed profile {args.name} and its keyring secrets.")
    return Exit.OK


def profile_protect(args: argparse.Namespace, home: Home) -> int:
    """Protect a profile (no confirmation needed), or unprotect it (its name typed)."""
    store = profile_store(home, warn=False)  # this command is the answer to the warning
    profile = store.get(args.name)
    protect = args.profile_command == "protect"
    guarded(lambda: store.upsert(replace(profile, protected=protect), getattr(args, "confirm", None)))
    if protect:
        print(f"{args.name} is protected: writes into it and changes of it need its name typed.")
    else:
        print(f"{args.name} is no longer protected.")
    return Exit.OK


def profile_export(args: argparse.Namespace, home: Home) -> int:
    ProfileStore(home.profiles_file).export_to(args.path)
    print(f"Wrote the profiles (no secrets) to {args.path}.")
    return Exit.OK


def profile_import(args: argparse.Namespace, home: Home) -> int:
    if not args.path.exists():
        raise UsageError(f"{args.path} does not exist.")
    store = profile_store(home)
    before = {p.name: p for p in store.load()}
    added = guarded(lambda: store.import_from(args.path, tuple(args.confirm)))
    for profile in added:  # a profile that now points elsewhere forgets the old server's secret
        old = before.get(profile.name)
        if old is not None and old.address_key != profile.address_key:
            SecretStore().delete(old)
        if (old.rules if old else ()) != profile.rules:  # rules shape what is sent: say what came in
            print(f"{profile.name}: its rules are now the file's ({len(profile.rules or ())}):")
            for rule in profile.rules or ():
                print(f"  {rule.describe()}")
    print(f"Imported {len(added)} profiles: {', '.join(p.name for p in added)}. Set their secrets next.")
    return Exit.OK


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
    store.set(profile, value)
    print(f"Stored the secret of {profile.name} in the keyring ({store.name}).")
    return Exit.OK


def do_login(args: argparse.Namespace, home: Home) -> int:
    profile = ProfileStore(home.profiles_file).get(args.name)
    password = _read_secret(f"Password for {profile.username} at {profile.base_url}: ")
    store = SecretStore()
    tokens = connect.login(profile, store, password)
    print(f"Signed in as {tokens.username} (role {tokens.role}); tokens stored in {store.name}.")
    return Exit.OK


def do_check(args: argparse.Namespace, home: Home) -> int:
    ctx = Context(home, SecretStore())
    try:
        info = one_target.check(ctx, ctx.profiles.get(args.name))
    finally:
        ctx.close()
    if args.json:
        print_json(info)
    else:
        print(
            f"{info['profile']}: {info['app']} at {info['base_url']}: {info['status']}, role {info['role']}, "
            f"current configuration version {info['current_version']}"
        )
    return Exit.OK


def secret_migrate(args: argparse.Namespace, home: Home) -> int:
    profile = ProfileStore(home.profiles_file).get(args.name)
    if not SecretStore().migrate(profile):
        raise UsageError(f"There is no older keyring entry named {profile.name}.")
    print(
        f"Bound the older keyring entry {profile.name} to this profile ({profile.app} at {profile.base_url})."
    )
    return Exit.OK
