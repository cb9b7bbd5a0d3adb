"""Pure helpers for the quirks of the Backand wire contract."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

KEPT_BY_SERVER = 5  # a Backand app keeps only its 5 newest saved configuration versions

_VERSION_PART = re.compile(r"(\d+)|(\D+)")


def encode_url_decoded_json(payload: Any) -> bytes:
    """Serialise *payload* for a call whose body the server URL-decodes before parsing.

    ``POST /1/model``, ``/1/model/validate`` and ``/admin/myApps`` URL-decode the raw body, so ``%``
    becomes ``%25`` and ``+`` becomes ``%2B``; nothing else needs escaping.
    """
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.replace("%", "%25").replace("+", "%2B").encode("utf-8")


def version_key(label: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders ``1.0.9 < 1.0.10 < 1.1.0`` component by component."""
    key: list[tuple[int, int | str]] = []
    for part in label.split("."):
        for number, text in _VERSION_PART.findall(part):
            key.append((0, int(number)) if number else (1, text))
    return tuple(key)


def sort_versions(labels: Iterable[str], newest_first: bool = False) -> list[str]:
    """Return *labels* in true version order (the server's own order is wrong)."""
    return sorted(labels, key=version_key, reverse=newest_first)
