"""The typed errors of the Backand client, one class per way a call can fail.

Every instance carries the server's own text (``server_text``) and the HTTP status where there was
one. Messages never include a token, a password or a header.
"""

from __future__ import annotations

from app.errors import PromoterError


class BackandError(PromoterError):
    """A Backand call failed."""

    def __init__(
        self, message: str, *, status: int | None = None, server_text: str = "", details: str = ""
    ) -> None:
        super().__init__(message, details=details)
        self.status = status
        self.server_text = server_text


class AuthError(BackandError):
    """Sign-in refused, token expired without a way to refresh, or wrong credentials (401/400)."""


class TokenExpired(AuthError):
    """``invalid or expired token``: the client refreshes once and replays the call."""


class NotFoundError(BackandError):
    """404: an unknown app or object, or (Backand's way) a role that may not do this."""


class RoleError(NotFoundError):
    """404 ``The action is unauthorized for this current user role.``: the user is not Admin."""


class BadRequestError(BackandError):
    """400 with a bare string, e.g. ``Missing oldSchema property.``"""


class ConflictError(BackandError):
    """409: missing parameters, or the model changed since it was read."""


class ModelChanged(ConflictError):
    """409 on validate: ``oldSchema`` no longer matches the server's model."""


class InvalidSchemaError(BackandError):
    """417: the server refused the model as invalid."""


class TooLargeError(BackandError):
    """413, or a body the client refused to send because it exceeds the 50 MiB request limit."""


class NotReadyError(BackandError):
    """204 where data was expected: the app's database is not ready."""


class ServerError(BackandError):
    """500 and other 5xx answers."""


class ProtocolError(BackandError):
    """The answer was not what the contract says: HTML, invalid JSON, a redirect to another host."""


class NetworkError(BackandError):
    """No answer: connection refused or dropped, DNS, TLS."""


class TimeoutError_(NetworkError):
    """The server did not answer within the read or connect timeout."""
