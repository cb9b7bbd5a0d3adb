"""One environment's profile (where it is, how to sign in, its stage and protection, its rules) and
the keys that tell two profiles' targets apart. Stored by ``profiles.py``; every change to one is
weighed by ``profileguard.py``."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from app.backand.urlpolicy import normalise_base_url, target_address
from app.errors import UsageError
from app.shaping.rules import Rule

AUTH_KINDS = ("password", "keys", "token")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str
    app: str
    auth: str = "password"
    username: str | None = None
    signin_app: str = "bko"
    stage: int = 1
    protected: bool = False
    colour: str = "#4a90d9"
    allow_insecure_http: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    id: str = ""  # random, given when the profile is first saved: scopes its keyring secrets
    rules: tuple[Rule, ...] | None = None  # None: "unchanged" when saved over a profile of that name

    @property
    def target_key(self) -> str:
        """``scheme://host:port/path#app``, normalised: the app this profile points at, whatever it
        is called (case, a trailing dot or slash, a default port and the loopback's names collapse).
        Shared by the lock and the drift baseline, where taking two names for one target only makes
        the promoter more careful; never by secrets (see :attr:`address_key`)."""
        return self._key(collapse_loopback=True)

    @property
    def address_key(self) -> str:
        """Like :attr:`target_key`, but two hosts are one only when they are the same address
        (``[::1]`` and ``127.0.0.1`` are two listeners, ``localhost`` a name of either): the key
        the keyring binds a secret to, so that a secret is only ever sent where it was stored for."""
        return self._key(collapse_loopback=False)

    def _key(self, *, collapse_loopback: bool) -> str:
        address = target_address(self.base_url, collapse_loopback=collapse_loopback)
        return f"{address}#{self.app.strip().lower()}"

    def validate(self) -> Profile:
        if not isinstance(self.name, str) or not NAME.fullmatch(self.name):
            raise UsageError(f"Profile name {self.name!r}: use letters, digits, '.', '_' or '-', at most 40.")
        if self.auth not in AUTH_KINDS:
            raise UsageError(f"Profile {self.name}: auth must be one of {', '.join(AUTH_KINDS)}.")
        if self.auth == "password" and not self.username:
            raise UsageError(f"Profile {self.name}: password auth needs --username.")
        if not re.fullmatch(r"[A-Za-z0-9-]{1,32}", self.app):
            raise UsageError(f"Profile {self.name}: app name {self.app!r} is not a Backand app name.")
        if self.stage < 1:
            raise UsageError(f"Profile {self.name}: stage must be 1 or more.")
        try:
            normalise_base_url(self.base_url, allow_insecure_http=self.allow_insecure_http)
        except UsageError as exc:
            raise UsageError(f"Profile {self.name}: {exc.message}") from None
        return self

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        if not data["extra"]:
            data.pop("extra")
        data.pop("rules")
        if self.rules:
            data["rules"] = [rule.as_json() for rule in self.rules]
        return data
