"""The Backand management API client (no Qt).

The names below are imported on first use, so that importing ``app.backand.errors`` (as the command
line does for its exit statuses) does not import requests.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.backand.auth import BearerCredentials as BearerCredentials
    from app.backand.auth import KeyCredentials as KeyCredentials
    from app.backand.auth import PasswordLogin as PasswordLogin
    from app.backand.auth import TokenSet as TokenSet
    from app.backand.client import BackandClient as BackandClient
    from app.backand.client import Validation as Validation
    from app.backand.client import VersionList as VersionList
    from app.backand.transport import Timeouts as Timeouts

_NAMES = {
    "BackandClient": "app.backand.client",
    "Validation": "app.backand.client",
    "VersionList": "app.backand.client",
    "BearerCredentials": "app.backand.auth",
    "KeyCredentials": "app.backand.auth",
    "PasswordLogin": "app.backand.auth",
    "TokenSet": "app.backand.auth",
    "Timeouts": "app.backand.transport",
}
__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        return getattr(import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'app.backand' has no attribute {name!r}")
