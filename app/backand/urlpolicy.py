"""Which base URLs the client accepts: parsed the way the HTTP stack parses them, or refused.

A URL that two parsers could read differently is refused outright, so the host the policy judges is
the host the request goes to: no backslash, space or non-ASCII character (``http://evil\\@127.0.0.1``
is 127.0.0.1 to one parser and ``evil`` to another), no user name or password in the authority, a
host made of plain labels or a bracketed IPv6 address without a zone id, no trailing dot, and an
IPv4 address only as four decimal numbers (``2130706433``, ``0177.0.0.1`` and ``0x7f.1`` are refused).
Plain ``http://`` is allowed only to a loopback host, unless the profile allows it explicitly.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from urllib.parse import urlsplit

from urllib3.util import parse_url

from app.errors import UsageError

AUTHORITY = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(?::[0-9]{1,5})?$")
NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+))*$", re.IGNORECASE)
DOTTED_QUAD = re.compile(
    r"^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$"
)


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalise_base_url(base_url: str, *, allow_insecure_http: bool = False) -> str:
    """Check *base_url* and return it without a trailing slash, or raise :class:`UsageError`."""
    url = base_url.strip().rstrip("/")
    if not url.isascii() or any(ch in url for ch in "\\ \t\r\n"):
        raise UsageError(
            f"Base URL {base_url!r} has a backslash, a space or a non-ASCII character, which HTTP "
            "libraries read differently; write it as plain https://host[:port][/path]."
        )
    try:
        parts = urlsplit(url)
        port = parts.port  # (out of range: a ValueError, as an unclosed "[" is)
    except ValueError as exc:
        raise UsageError(f"Base URL {base_url!r} cannot be read as a URL ({exc}).") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"Base URL {base_url!r} is not an http(s) URL with a host.")
    if port == 0:
        raise UsageError(f"Base URL {base_url!r}: port 0 is not a port to connect to.")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise UsageError(
            f"Base URL {base_url!r} has a query or a fragment (after ? or #), which the API's paths "
            "cannot follow; write it as https://host[:port][/path]."
        )
    if "@" in parts.netloc:
        raise UsageError(
            f"Base URL {base_url!r} carries a user name or password; secrets belong in the keyring "
            "(`promoter secret set` or `promoter login`), never in the URL."
        )
    if not AUTHORITY.match(parts.netloc):
        raise UsageError(f"Base URL {base_url!r}: {parts.netloc!r} is not a plain host[:port].")
    host = parts.hostname
    if NUMERIC_HOST.match(host) and not DOTTED_QUAD.match(host):
        raise UsageError(
            f"Base URL {base_url!r}: write an IPv4 address as four decimal numbers (like 127.0.0.1)."
        )
    stack_host = (parse_url(url).host or "").strip("[]").lower()
    if stack_host != host.lower():
        raise UsageError(f"Base URL {base_url!r} is read as two different hosts; write it plainly.")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback_host(host):
        raise UsageError(
            f"Base URL {url} uses plain http to a host that is not loopback; "
            "use https, or allow insecure http explicitly in the profile."
        )
    return url


LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "localhost.localdomain"}
DEFAULT_PORTS = {"http": 80, "https": 443}


def target_address(base_url: str, *, collapse_loopback: bool = True) -> str:
    """``scheme://host:port/path``, normalised: one spelling for one server whatever was typed (the
    case, a trailing dot or slash, a default port written or not; with *collapse_loopback*, the
    loopback's names). Never raises: a URL it cannot read is its own spelling."""
    try:
        parts = urlsplit(base_url.strip())
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return base_url.strip()
    scheme = parts.scheme.lower()
    with contextlib.suppress(ValueError):
        host = ipaddress.ip_address(host).compressed  # one spelling per address
    if collapse_loopback and host in LOOPBACK_NAMES:
        host = "127.0.0.1"
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = 0
    return f"{scheme}://{host}:{port}{parts.path.rstrip('/')}"
