"""How a run's plan is kept in history: JSON text, or zlib-compressed JSON when it is large.

A large promotion's plan is megabytes of JSON (7,500 changes: 3 MB). Built as one text and handed
to SQLite it cost the run's end ~10 MiB of memory, the largest step of a 35 MiB promotion, and
history grew by its size at every run. Here each long list's items are encoded one at a time
and, once the text passes :data:`SMALL`, fed to a compressor piece by piece: what is held is the
compressed result (a tenth of the text), and history stores it as a BLOB. A plan under
:data:`SMALL` stays readable text. Reading accepts both, and a damaged record is a ``ValueError``
as damaged JSON text always was.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

SMALL = 64 * 1024  # characters: a plan this short is kept as text
LIMIT = 512 * 1024 * 1024  # a record that inflates beyond this is damaged, not a plan


def encode_plan(data: Any) -> str | bytes:
    """*data* as JSON text when short, else that text zlib-compressed (never held whole)."""
    pieces = _pieces(data)
    head: list[str] = []
    size = 0
    for piece in pieces:
        head.append(piece)
        size += len(piece)
        if size > SMALL:
            break
    else:
        return "".join(head)
    packer = zlib.compressobj(6)
    out = [packer.compress("".join(head).encode())]
    for piece in pieces:
        if packed := packer.compress(piece.encode()):  # (mostly empty: the compressor holds it)
            out.append(packed)
    out.append(packer.flush())
    return b"".join(out)


def decode_plan(value: str | bytes | None) -> dict[str, Any]:
    """A recorded plan (text or compressed); ``{}`` for none. Raises ValueError when damaged."""
    if isinstance(value, bytes):
        unpacker = zlib.decompressobj()
        try:
            text = unpacker.decompress(value, LIMIT)
        except zlib.error as exc:
            raise ValueError(f"not compressed JSON: {exc}") from None
        if not unpacker.eof or unpacker.unconsumed_tail:
            raise ValueError("cut short, or larger than any plan")
        found = json.loads(text)
    else:
        found = json.loads(value or "{}")
    return found if isinstance(found, dict) else {}


def lean_json(data: Any) -> str:
    """``json.dumps(data)`` without its peak (see :func:`_pieces`)."""
    return "".join(_pieces(data))


def _pieces(data: Any) -> Iterator[str]:
    """The JSON text of *data* in pieces: C's encoder gathers every piece of the whole text before
    joining them (~5x the text); here each long list's items are encoded one at a time."""
    if isinstance(data, dict):
        yield "{"
        for i, (key, value) in enumerate(data.items()):
            yield f"{', ' if i else ''}{json.dumps(key)}: "
            yield from _pieces(value)
        yield "}"
    elif isinstance(data, list) and len(data) > 64:
        yield "["
        for i, item in enumerate(data):
            yield f", {json.dumps(item)}" if i else json.dumps(item)
        yield "]"
    else:
        yield json.dumps(data)
