"""Credentials for one Backand connection. Secret fields are kept out of ``repr``."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SIGNIN_APP = "bko"


@dataclass(frozen=True)
class TokenSet:
    """What ``POST /token`` returns."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_in: int | None = None
    username: str | None = None
    role: str | None = None
    app_name: str | None = None

    @classmethod
    def from_response(cls, body: dict[str, Any]) -> TokenSet:
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=body.get("refresh_token"),
            expires_in=int(body["expires_in"]) if body.get("expires_in") is not None else None,
            username=body.get("username"),
            role=body.get("role"),
            app_name=body.get("appName"),
        )


@dataclass(frozen=True)
class PasswordLogin:
    """Not yet signed in: a username and the app to sign in to (the console used ``bko``)."""

    username: str
    signin_app: str = DEFAULT_SIGNIN_APP


@dataclass(frozen=True)
class BearerCredentials:
    """A bearer access token, with a refresh token when sign-in gave one."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    username: str | None = None
    signin_app: str = DEFAULT_SIGNIN_APP

    def header(self) -> str:
        return f"bearer {self.access_token}"


@dataclass(frozen=True)
class KeyCredentials:
    """The app's keys: ``Authorization: Basic base64(master:user)``."""

    master_token: str = field(repr=False)
    user_token: str = field(repr=False)

    def header(self) -> str:
        raw = f"{self.master_token}:{self.user_token}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")


Credentials = PasswordLogin | BearerCredentials | KeyCredentials
