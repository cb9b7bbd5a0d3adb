"""Counts that agree with their nouns: "1 change", "2 changes", "1 entry", "3 entries"."""

from __future__ import annotations

IRREGULAR = {"entry": "entries", "copy": "copies"}


def count(number: int, noun: str) -> str:
    return f"{number} {noun if number == 1 else IRREGULAR.get(noun, noun + 's')}"
