"""A Backand model as the management API reads and applies it (an array of objects, each with its
fields), declared once for every package, and its digest."""

from __future__ import annotations

import hashlib
import json
from typing import Any

Model = list[dict[str, Any]]


def model_digest(model: Any) -> str:
    """A model's sha256 over its canonical JSON (keys sorted): equal models, equal digests."""
    return hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()
