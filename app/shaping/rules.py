"""A target's rules: what it always keeps, or rewrites, in every promotion into it.

Rules are part of their target profile (``profiles.json``, schema-versioned and strictly loaded), so
they follow the profile through edits, renames, ``profile export`` and ``profile import``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.errors import UsageError
from app.shaping.regexrun import backtracking
from app.shaping.selectors import Selector, for_shaping, parse

KINDS = ("keep", "replace")


@dataclass(frozen=True)
class Rule:
    id: int
    kind: str
    selector: str
    find: str = ""
    with_: str = ""
    regex: bool = False

    @property
    def parsed(self) -> Selector:
        return parse(self.selector)

    def validate(self) -> Rule:
        if self.kind not in KINDS:
            raise UsageError(f"Rule {self.id}: kind must be keep or replace, not {self.kind!r}.")
        selector = self.parsed
        if self.kind == "replace":
            if selector.is_model:
                raise UsageError(
                    f"Rule {self.id}: replace works on configuration values, not on {self.selector}."
                )
            if not self.find:
                raise UsageError(f"Rule {self.id}: replace needs a non-empty text to find (--find).")
            for label, text in (("--find", self.find), ("--with", self.with_)):
                bad = next((c for c in text if not _xml_char(c)), None)
                if bad is not None:
                    raise UsageError(
                        f"Rule {self.id}: {label} contains the character {bad!r}, which XML documents "
                        "cannot hold."
                    )
            if self.regex:
                try:
                    pattern = re.compile(self.find)
                except re.error as exc:
                    raise UsageError(
                        f"Rule {self.id}: --find is not a valid regular expression ({exc})."
                    ) from None
                _check_template(self.id, pattern, self.with_)
        return self

    def made(self) -> Rule:
        """:meth:`validate`, and what only a new rule (added, or imported) is refused for: a row
        named by its position, a regular expression that backtracks. A rule already in the file is
        loaded (a position is reported as not applied; a regex is bounded in time where it runs)."""
        self.validate()
        try:
            for_shaping(self.selector)
        except UsageError as exc:
            raise UsageError(f"Rule {self.id}: {exc.message}") from None
        shape = backtracking(self.find) if self.kind == "replace" and self.regex else ""
        if shape:
            raise UsageError(
                f"Rule {self.id}: --find {self.find!r} has {shape}: on a text it does not match, the "
                "expression tries every way of splitting it, which can take longer than any promotion "
                "may. Write it without the outer repetition (for example [^@]+@ for (?:[^@]+)+@), or "
                "make the inner one possessive (a++, [^@]++) or atomic ((?>...))."
            )
        return self

    def describe(self) -> str:
        if self.kind == "keep":
            return f"rule {self.id}: keep {self.selector}"
        how = "regex " if self.regex else ""
        return f"rule {self.id}: replace {how}{self.find!r} with {self.with_!r} in {self.selector}"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "selector": self.selector}
        if self.kind == "replace":
            data.update({"find": self.find, "with": self.with_, "regex": self.regex})
        return data


TYPES: dict[str, tuple[type, ...]] = {
    "id": (int,),
    "kind": (str,),
    "selector": (str,),
    "find": (str,),
    "with": (str,),
    "regex": (bool,),
}


def rule_from_json(item: Any, where: str) -> Rule:
    """One rule from the profile file, strictly: wrong types and unknown keys are named."""
    if not isinstance(item, dict):
        raise UsageError(f"{where}: a rule is not an object.")
    unknown = set(item) - set(TYPES)
    if unknown:
        raise UsageError(f"{where}: a rule has unknown keys: {', '.join(sorted(unknown))}.")
    for key, types in TYPES.items():
        if key in item and (
            not isinstance(item[key], types) or (bool not in types and isinstance(item[key], bool))
        ):
            raise UsageError(f"{where}: a rule's {key} is {item[key]!r}, of the wrong type.")
    for key in ("id", "kind", "selector"):
        if key not in item:
            raise UsageError(f"{where}: a rule has no {key}.")
    rule = Rule(
        item["id"],
        item["kind"],
        item["selector"],
        item.get("find", ""),
        item.get("with", ""),
        item.get("regex", False),
    )
    try:
        return rule.validate()
    except UsageError as exc:
        raise UsageError(f"{where}: {exc.message}") from None


def _xml_char(c: str) -> bool:
    code = ord(c)
    return code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000


GROUP_REF = re.compile(r"\\(?:g<([^>]*)>|(\d+))")


def _check_template(rule_id: int, pattern: re.Pattern[str], template: str) -> None:
    """Refuse a replacement that names a group the expression does not have (re would only fail
    when a match is found, in the middle of a promotion)."""
    for name, number in GROUP_REF.findall(template):
        ref = name or number
        ok = (int(ref) <= pattern.groups) if ref.isdigit() else ref in pattern.groupindex
        if not ok:
            raise UsageError(
                f"Rule {rule_id}: --with refers to group {ref!r}, which --find does not have "
                f"({pattern.groups} groups)."
            )
    names = {index: name for name, index in pattern.groupindex.items()}
    empty = "".join(f"(?P<{names[i]}>)" if i in names else "()" for i in range(1, pattern.groups + 1))
    try:  # what the template itself produces (the groups' own text comes from the document)
        match = re.compile(empty).fullmatch("")
        assert match is not None  # only empty groups: it matches the empty text
        produced = match.expand(template)
    except (re.error, IndexError) as exc:
        raise UsageError(f"Rule {rule_id}: --with is not a valid replacement ({exc}).") from None
    bad = next((c for c in produced if not _xml_char(c)), None)
    if bad is not None:
        raise UsageError(
            f"Rule {rule_id}: --with would write the character {bad!r}, which XML documents cannot "
            "hold (in a regular expression's replacement, \\0 \\a \\b \\f and \\v stand for "
            "control characters; write \\\\ for a backslash)."
        )


def next_id(rules: tuple[Rule, ...]) -> int:
    return max((r.id for r in rules), default=0) + 1
