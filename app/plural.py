"""Counts that agree with their nouns ("1 change", "2 changes", "1 entry", "3 entries"), sentences
that start and end as sentences do, and how long ago something was ("5 h ago")."""

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


def ago(seconds: float) -> str:
    """ "just now", "25 min ago", "5 h ago", "2 days ago"."""
    seconds = max(0.0, seconds)
    if seconds < 90:
        return "just now"
    if seconds < 5400:
        return f"{round(seconds / 60)} min ago"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h ago"
    return f"{count(round(seconds / 86400), 'day')} ago"
