"""The Backand management API client (no Qt)."""

from app.backand.auth import BearerCredentials, KeyCredentials, PasswordLogin, TokenSet
from app.backand.client import BackandClient, Validation, VersionList
from app.backand.transport import Timeouts

__all__ = [
    "BackandClient",
    "BearerCredentials",
    "KeyCredentials",
    "PasswordLogin",
    "Timeouts",
    "TokenSet",
    "Validation",
    "VersionList",
]
