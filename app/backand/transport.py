"""HTTP for the Backand client: URL policy, timeouts, retries, redirects and error mapping.

Every request has a connect and a read timeout. Only idempotent reads are retried, with backoff.
Redirects are never followed blindly: a redirect to the same origin is followed for GET, a
redirect to another host is an error and the credentials are not sent there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.util import parse_url

from app import logs
from app.backand import errors
from app.backand.deadline import Deadline, shut_down, track_connections
from app.backand.urlpolicy import normalise_base_url
from app.errors import Cancelled, UsageError

ROLE_MESSAGE = "The action is unauthorized for this current user role."
EXPIRED_MESSAGE = "invalid or expired token"
MODEL_CHANGED_PREFIX = "The model has changed"
RETRY_STATUSES = frozenset({502, 503, 504})
MAX_REDIRECTS = 5

log = logs.network
T = TypeVar("T")


MAX_BODY = 8 * 1024 * 1024  # what is read of a JSON or error answer; the zip download streams to disk


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection, for each read from the socket, and for a whole call (a
    server trickling one byte at a time never trips the read timeout; the overall deadline does).
    A call answered in JSON (at most :data:`MAX_BODY`) has *small*; a transfer of the configuration
    has *total* (an upload more, by its size; a download's body then keeps its own pace floor)."""

    connect: float = 10.0
    read: float = 120.0
    total: float = 900.0
    small: float = 60.0

    def deadline(self, transfer: bool, extra_seconds: float = 0.0) -> float:
        return self.total + extra_seconds if transfer else self.small

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port as urllib3 (which makes the connection) reads them."""
    parts = parse_url(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return (parts.scheme or "", (parts.host or "").strip("[]").lower(), port)


def server_text(response: requests.Response) -> str:
    """The human text of an error body, in any of the contract's three shapes."""
    raw = response.text.strip()
    if not raw:
        return ""
    try:
        body = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(body, str):
        return body
    if isinstance(body, dict):
        for key in ("error_description", "Message", "message", "error"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return raw


def _looks_like_html(response: requests.Response) -> bool:
    ctype = response.headers.get("Content-Type", "").lower()
    head = response.text[:200].lstrip().lower() if not ctype.startswith("application/zip") else ""
    return "html" in ctype or head.startswith("<!doctype html") or head.startswith("<html")


def error_for(response: requests.Response, what: str) -> errors.BackandError:
    """Turn a non-2xx answer (or a 204 where data was expected) into a typed error."""
    status = response.status_code
    if status == 204:
        return errors.NotReadyError(
            f"{what}: the app is not ready (HTTP 204, its database is not ready yet).", status=204
        )
    if _looks_like_html(response):
        return errors.ProtocolError(
            f"{what}: the server answered HTTP {status} with an HTML page instead of Backand's "
            "answer (a proxy or gateway error page?).",
            status=status,
            server_text=response.text[:500],
        )
    text = server_text(response)
    shown = text or response.reason or "no message"
    message = f"{what}: {shown} (HTTP {status})"
    kwargs: dict[str, Any] = {"status": status, "server_text": text}
    if status == 400:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and "error" in body:
            return errors.AuthError(message, **kwargs)
        return errors.BadRequestError(message, **kwargs)
    if status == 401:
        if text.strip().lower() == EXPIRED_MESSAGE:
            return errors.TokenExpired(message, **kwargs)
        return errors.AuthError(message, **kwargs)
    if status == 403:
        return errors.AuthError(message, **kwargs)
    if status == 404:
        if text.strip() == ROLE_MESSAGE:
            return errors.RoleError(f"{what}: the user is not an Admin of this app ({text})", **kwargs)
        return errors.NotFoundError(message, **kwargs)
    if status == 409:
        if text.startswith(MODEL_CHANGED_PREFIX):
            return errors.ModelChanged(message, **kwargs)
        return errors.ConflictError(message, **kwargs)
    if status == 413:
        return errors.TooLargeError(message, **kwargs)
    if status == 417:
        return errors.InvalidSchemaError(message, **kwargs)
    if status >= 500:
        return errors.ServerError(message, **kwargs)
    return errors.BackandError(message, **kwargs)


class Transport:
    """Sends requests to one Backand base URL."""

    def __init__(
        self,
        base_url: str,
        *,
        timeouts: Timeouts | None = None,
        allow_insecure_http: bool = False,
        retries: int = 2,
        backoff: float = 0.25,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url, allow_insecure_http=allow_insecure_http)
        self.allow_insecure_http = allow_insecure_http
        self.timeouts = timeouts or Timeouts()
        self.retries = max(0, retries)
        self.backoff = backoff
        self.session = session or requests.Session()
        self.connections = track_connections(self.session)
        self.session.trust_env = False  # no .netrc credentials, no proxy surprises on loopback
        self.session.verify = True
        self.aborted = False

    def close(self) -> None:
        self.session.close()

    def abort(self) -> None:
        """From any thread: end the call under way at once (its sockets are shut down) and refuse
        every later attempt, retries included. For a read nobody will take any more."""
        self.aborted = True
        shut_down(self.connections)

    def send(
        self,
        method: str,
        path: str,
        *,
        what: str,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None = None,
        body: Callable[[], Any] | None = None,
        idempotent: bool = False,
        stream: bool = False,
        extra_seconds: float = 0.0,
    ) -> requests.Response:
        """Send one request and return a 2xx response; raise a typed error otherwise.

        *body* is a factory so that a replay (refresh or redirect) gets a fresh body stream.
        A 2xx response is returned as is (204 included: callers decide whether it is an error).
        The call must end within ``timeouts.small``, or ``timeouts.total`` (+ *extra_seconds*) when
        it carries the configuration (*stream*: a download; *extra_seconds*: an upload, by its size);
        a non-streamed answer is read up to :data:`MAX_BODY` bytes.
        """
        seconds = self.timeouts.deadline(stream or extra_seconds > 0, extra_seconds)
        url = self.base_url + path
        attempts = self.retries + 1 if idempotent else 1
        for attempt in range(attempts):
            if self.aborted:
                raise Cancelled(f"{what}: stopped")
            try:
                with Deadline(self.connections, seconds, what) as deadline:
                    response = deadline.guard(
                        lambda: self._send_following(method, url, what, headers, params, body, True)
                    )
                    if not stream or not 200 <= response.status_code < 300:  # an error body is capped too
                        deadline.guard(lambda r=response: _read_capped(r, what))  # type: ignore[misc]
            except errors.NetworkError as exc:
                if self.aborted:
                    raise Cancelled(f"{what}: stopped") from None
                if attempt + 1 >= attempts or getattr(exc, "deadline", False):
                    raise
                self._pause(attempt, what)
                continue
            if response.status_code in RETRY_STATUSES and attempt + 1 < attempts:
                response.close()
                self._pause(attempt, what)
                continue
            if 200 <= response.status_code < 300:
                return response
            try:
                raise error_for(response, what)
            finally:
                response.close()
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, attempt: int, what: str) -> None:
        delay = self.backoff * (2**attempt)
        log.info("%s: retrying in %.2fs (attempt %d)", what, delay, attempt + 2)
        time.sleep(delay)

    def _send_following(
        self,
        method: str,
        url: str,
        what: str,
        headers: Mapping[str, str],
        params: Mapping[str, str] | None,
        body: Callable[[], Any] | None,
        stream: bool,
    ) -> requests.Response:
        origin = _origin(url)
        for _ in range(MAX_REDIRECTS + 1):
            log.debug("%s %s", method, urlsplit(url).path)
            try:
                response = self.session.request(
                    method,
                    url,
                    headers=dict(headers),
                    params=params,
                    data=body() if body else None,
                    timeout=self.timeouts.as_tuple(),
                    allow_redirects=False,
                    stream=stream,
                )
            except requests.Timeout as exc:
                raise errors.TimeoutError_(
                    f"{what}: the server did not answer within {self.timeouts.read:g} s "
                    f"(connect timeout {self.timeouts.connect:g} s).",
                    details=type(exc).__name__,
                ) from None
            except requests.ConnectionError as exc:
                reason = _short_reason(exc)
                lost = reason in ("connection aborted", "connection reset", "remote end closed connection")
                where = urlsplit(url).netloc
                message = f"the connection to {where} was lost" if lost else f"could not reach {where}"
                raise errors.NetworkError(
                    f"{what}: {message} ({reason}).", details=type(exc).__name__
                ) from None
            except requests.RequestException as exc:
                raise errors.NetworkError(f"{what}: {_short_reason(exc)}") from None
            if not response.is_redirect:
                return response
            location = urljoin(url, response.headers.get("Location", ""))
            response.close()
            try:  # the same policy as the base URL: no backslash or userinfo tricks, no plain http away
                normalise_base_url(location, allow_insecure_http=self.allow_insecure_http)
            except UsageError as exc:
                raise errors.ProtocolError(
                    f"{what}: the server redirected to a URL that is refused ({exc.message}); not "
                    "following it.",
                    status=response.status_code,
                ) from None
            if _origin(location) != origin:
                raise errors.ProtocolError(
                    f"{what}: the server redirected to another host ({urlsplit(location).netloc}); "
                    "not following it, so the credentials stay with "
                    f"{urlsplit(url).netloc}.",
                    status=response.status_code,
                )
            if method != "GET":
                raise errors.ProtocolError(
                    f"{what}: the server answered {method} with a redirect; not replaying the body.",
                    status=response.status_code,
                )
            url, params = location, None
        raise errors.ProtocolError(f"{what}: too many redirects.")


def _short_reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in (
        "Connection refused",
        "Connection reset",
        "Connection aborted",
        "Name or service not known",
        "IncompleteRead",
        "timed out",
        "Remote end closed connection",
        "CERTIFICATE_VERIFY_FAILED",
    ):
        if marker in text:
            return marker.lower() if marker[0].isupper() and marker != "IncompleteRead" else marker
    return type(exc).__name__


def _read_capped(response: requests.Response, what: str) -> None:
    """Read a non-streamed answer, at most :data:`MAX_BODY` bytes (a huge error body is cut)."""
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(65536):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY:
                response.close()
                if 200 <= response.status_code < 300:
                    raise errors.ProtocolError(
                        f"{what}: the answer is larger than {MAX_BODY // (1024 * 1024)} MiB; refused."
                    )
                break  # an error's text: the beginning is enough
    except requests.RequestException as exc:
        raise errors.NetworkError(f"{what}: the answer was cut ({type(exc).__name__}).") from None
    response._content = b"".join(chunks)[:MAX_BODY]
    response._content_consumed = True  # type: ignore[attr-defined]
