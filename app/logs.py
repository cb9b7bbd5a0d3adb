"""Logging: one named logger per subsystem, a rotating file under the home, secrets redacted.

Subsystems log through ``logging.getLogger("promoter.<name>")``; the names are listed in
``SUBSYSTEMS``. Every handler installed here carries a :class:`RedactingFilter`, which removes
registered secrets and anything shaped like an ``Authorization`` header or a token field.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import threading
from pathlib import Path
from typing import Any

SUBSYSTEMS = ("network", "sandbox", "engine", "archive", "profiles", "secrets", "cli", "gui")

network = logging.getLogger("promoter.network")
sandbox = logging.getLogger("promoter.sandbox")
engine = logging.getLogger("promoter.engine")
archive = logging.getLogger("promoter.archive")
profiles = logging.getLogger("promoter.profiles")
secrets = logging.getLogger("promoter.secrets")
cli = logging.getLogger("promoter.cli")
gui = logging.getLogger("promoter.gui")

# Each pattern with the words its matches begin with (lower case): a long text (a plan of thousands
# of changes printed as JSON) is searched for those words with str.find, and the pattern is tried
# only where one is, instead of being run over every character of the text.
_PATTERNS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (
        re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(bearer|basic)\s+[^\s\"',]+"),
        ("authorization",),
    ),
    (  # a credential, wherever it is
        re.compile(r"(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}"),
        ("bearer", "basic"),
    ),
    (
        re.compile(
            r"(?i)(\b(?:access_token|refresh_token|refreshToken|password|masterToken|userToken)"
            r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,\[\]{}]+"
        ),
        ("access_token", "refresh_token", "refreshtoken", "password", "mastertoken", "usertoken"),
    ),
]
_TRIGGERS = ("authorization", "bearer", "basic", "token", "password")
_known_secrets: set[str] = set()
_known_longest_first: tuple[str, ...] = ()  # what redact() walks, rebuilt only when one is added
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Make sure *value* never appears in a log line written by our handlers."""
    if value and len(value) >= 4:
        global _known_longest_first
        with _lock:
            if value not in _known_secrets:
                _known_secrets.add(value)
                _known_longest_first = tuple(sorted(_known_secrets, key=len, reverse=True))


def redact(text: str) -> str:
    """Return *text* with registered secrets and token-shaped values replaced by ``***`` (and any
    lone surrogate a server sent replaced, so the text can be printed and stored)."""
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    lowered = text.lower()
    if any(word in lowered for word in _TRIGGERS):  # cheap: can the patterns match at all?
        if len(lowered) == len(text):  # (always for ASCII) a position in one is a position in the other
            text = _redact_at_words(text, lowered)
        else:
            for pattern, _words in _PATTERNS:
                text = pattern.sub(lambda m: m.group(1) + "***", text)
    for secret in _known_longest_first:
        if secret in text:
            text = text.replace(secret, "***")
    return text


def _redact_at_words(text: str, lowered: str) -> str:
    """*text* with what each pattern matches after its first group replaced by ``***``, each tried
    only where one of its words begins (what ``pattern.sub`` would replace, found without scanning
    the whole text with every pattern; overlapping finds are replaced as one)."""
    found: list[tuple[int, int]] = []
    for pattern, words in _PATTERNS:
        for word in words:
            at = lowered.find(word)
            while at >= 0:
                if match := pattern.match(text, at):
                    found.append((match.end(1), match.end()))
                at = lowered.find(word, at + 1)
    if not found:
        return text
    found.sort()
    pieces, done = [], 0
    for begin, end in found:
        if end <= done:
            continue
        if begin < done:  # overlaps the last one: extend it
            begin = done
        else:
            pieces.append(text[done:begin])
            pieces.append("***")
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message with :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage())
        record.msg = message
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_configured_file: Path | None = None


def redact_data(data: Any) -> Any:
    """*data* (JSON-shaped) with every string redacted: safe to store or print as JSON afterwards.

    What needs no change is returned as it is, not copied: a plan of thousands of changes costs no
    second copy to store."""
    if isinstance(data, str):
        clean = redact(data)
        return data if clean == data else clean
    if isinstance(data, list | tuple):
        items = [redact_data(item) for item in data]
        return data if all(a is b for a, b in zip(items, data, strict=True)) else items
    if isinstance(data, dict):
        values = [redact_data(value) for value in data.values()]
        if all(a is b for a, b in zip(values, data.values(), strict=True)):
            return data
        return dict(zip(data.keys(), values, strict=True))
    return data


class RedactingStream:
    """Standard output or error with every write redacted: the one place for what a command prints
    (a server's field, an error it echoed), whichever code printed it."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def write(self, text: str) -> int:
        return int(self._raw.write(redact(text)))

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding…
        return getattr(self._raw, name)


def current_file() -> Path | None:
    """The log file in use, if one could be opened."""
    return _configured_file


def setup_file_logging(logs_dir: Path, level: int = logging.INFO) -> Path:
    """Attach a rotating log file under *logs_dir* to the ``promoter`` logger (once per file)."""
    global _configured_file
    path = logs_dir / "promoter.log"
    root = logging.getLogger("promoter")
    if not root.level or level < root.level:
        root.setLevel(level)
    if _configured_file == path:
        return path
    for handler in list(root.handlers):
        if getattr(handler, "_promoter_file", False):
            root.removeHandler(handler)
            handler.close()
    logs_dir.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2 * 1024 * 1024, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    handler.addFilter(RedactingFilter())
    handler._promoter_file = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    _configured_file = path
    return path


def setup_stderr_fallback() -> None:
    """No log file can be written: warnings and errors go to standard error instead (redacted)."""
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("promoter: %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    logging.getLogger("promoter").addHandler(handler)


def setup_stderr_logging(verbose: bool) -> None:
    """With *verbose*, show debug lines on standard error, redacted (commands report on their own)."""
    if not verbose:
        return
    root = logging.getLogger("promoter")
    handler = logging.StreamHandler()
    handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    if verbose:
        root.setLevel(logging.DEBUG)
