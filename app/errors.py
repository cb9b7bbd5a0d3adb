"""Exceptions shared by every domain package.

Each carries a message meant for a person; none carries a secret. The command line maps the classes
to exit statuses (see ``app.cli.exitcodes``).
"""

from __future__ import annotations


class PromoterError(Exception):
    """Base of every error the program reports to a user."""

    def __init__(self, message: str, *, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


class Cancelled(PromoterError):
    """The user asked to stop; raised between chunks and between steps."""

    def __init__(self, message: str = "cancelled by the user") -> None:
        super().__init__(message)


class UsageError(PromoterError):
    """Bad input or configuration given by the user (exit status 2)."""


class SafetyRefusal(PromoterError):
    """A safety check refused to go on (exit status 3)."""


class InvalidConfigZip(UsageError):
    """A configuration zip that must not be sent or archived."""
