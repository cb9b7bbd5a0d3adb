"""Counts that agree with their nouns ("1 change", "2 changes", "1 entry", "3 entries") and sentences
that start and end as sentences do."""

from __future__ import annotations

IRREGULAR = {"entry": "entries", "copy": "copies"}


def count(number: int, noun: str) -> str:
    return f"{number} {noun if number == 1 else IRREGULAR.get(noun, noun + 's')}"


def sentence(text: str) -> str:
    """*text* as a sentence: a capital first letter and a final stop ("upload cancelled by the user"
    → "Upload cancelled by the user.")."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."
