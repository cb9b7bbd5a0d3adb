"""Engine fixtures: a home with profiles dev/qa/prod wired (by keys) to the sandbox."""

from __future__ import annotations

from pathlib import Path

from app.engine.context import Context
from app.paths import Home
from app.profile import Profile
from app.sandbox import seed
from app.sandbox.server import SandboxServer
from app.secrets import SecretStore


def wire(home_dir: Path, sandbox: SandboxServer, secrets: SecretStore) -> Context:
    ctx = Context(Home(home_dir), secrets)
    creds = {row["app"]: row for row in seed.credentials(sandbox.store)}
    for name, app, stage, protected in (
        ("dev", "shop-dev", 1, False),
        ("qa", "shop-qa", 2, False),
        ("prod", "shop-prod", 3, True),
    ):
        saved = ctx.profiles.upsert(
            Profile(name=name, base_url=sandbox.url, app=app, auth="keys", stage=stage, protected=protected)
        )
        secrets.set(saved, f"{creds[app]['master_token']}:{creds[app]['user_token']}")
    return ctx
