"""Set up the backup benchmark: a sandbox in its own process with an 8 MiB configuration in each of
dev, qa and prod, and a home with their profiles (keys in the keyring). Prints "ready URL", then
keeps the sandbox up until standard input closes. Used by ``make bench`` (tests/bench/run.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import requests

from app.backand import BackandClient, PasswordLogin
from app.paths import Home
from app.profile import Profile
from app.profiles import ProfileStore
from app.sandbox import seed
from app.secrets import SecretStore
from tests.helpers import SandboxProcess, big_config_zip


def main(root: Path) -> None:
    sandbox = SandboxProcess(root / "sandbox-home")
    store = ProfileStore(Home(root / "home").ensure().profiles_file)
    big = big_config_zip(root / "big.zip", 8)
    try:
        for stage, (name, app) in enumerate((("dev", "shop-dev"), ("qa", "shop-qa"), ("prod", "shop-prod"))):
            client = BackandClient(sandbox.url, app, PasswordLogin(seed.ADMIN[0]))
            client.sign_in(seed.ADMIN[1])
            client.upload_config(big)
            client.reload_cache()
            client.close()
            keys = requests.get(f"{sandbox.url}/_sandbox/apps/{app}/keys", timeout=10).json()
            profile = store.upsert(
                Profile(name=name, base_url=sandbox.url, app=app, auth="keys", stage=stage + 1)
            )
            SecretStore().set(profile, f"{keys['master_token']}:{keys['user_token']}")
        print("ready", sandbox.url, flush=True)
        sys.stdin.read()
    finally:
        for profile in store.load():
            SecretStore().delete(profile)
        sandbox.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
