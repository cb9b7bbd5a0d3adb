"""The demo's set-up: a home whose profiles dev, qa and prod point at a sandbox's seeded apps, their
keys in the keyring (or, where none works, in memory, labelled "demo"), and the rules that keep what
each environment holds. ``promoter demo`` and the window's screenshots both start from it."""

from __future__ import annotations

from pathlib import Path

from app.paths import Home
from app.profile import Profile
from app.profiles import ProfileStore
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.secrets import MemoryKeyring, SecretStore, SecretStoreError
from app.shaping.rules import Rule

DEMO_PROFILES = (
    ("dev", "shop-dev", 1, False, "#3c9d5d"),
    ("qa", "shop-qa", 2, False, "#d9a13b"),
    ("prod", "shop-prod", 3, True, "#c0392b"),
)


DEMO_RULES = (
    Rule(0, "keep", "Database.DisplayName"),
    Rule(0, "keep", "Upload[Image].Title"),
    Rule(0, "replace", "Rule[Validate price].Code", r"taxRate = [0-9.]+", "taxRate = 0.19", regex=True),
)


def demo_secret_store() -> SecretStore:
    """The system keyring when it works; else an in-memory keyring clearly labelled "demo"."""
    store = SecretStore()
    try:
        store.self_test()
        return store
    except SecretStoreError:
        import keyring

        memory = MemoryKeyring()
        keyring.set_keyring(memory)
        return SecretStore(memory)


def prepare(root: Path, url: str, server: SandboxServer, secrets: SecretStore) -> Home:
    home = Home(root).ensure()
    profiles = ProfileStore(home.profiles_file)
    creds = {row["app"]: row for row in seed.credentials(server.store)}
    for name, app, stage, protected, colour in DEMO_PROFILES:
        saved = profiles.upsert(
            Profile(
                name=name, base_url=url, app=app, auth="keys", stage=stage, protected=protected, colour=colour
            )
        )  # a fresh random id: its keyring entries cannot collide with a user's profiles
        secrets.set(saved, f"{creds[app]['master_token']}:{creds[app]['user_token']}")
    for name in ("qa", "prod"):  # environments differ on purpose: rules keep what is theirs
        for rule in DEMO_RULES:
            profiles.add_rule(name, rule, confirm=name)  # prod is protected: the demo names it
    return home
