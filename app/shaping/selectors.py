"""Selectors: what a rule or an exclusion names, in the configuration document's own terms.

Forms (read them off a plan):

- ``model:orders`` — a model object; ``model:items.price`` — a model field;
- ``Database.DisplayName`` — a column of every row of a table (``Database`` has one row);
- ``Rule[computePrice]`` — a whole row, by its ``Name`` or by the key the plan shows
  (``Rule[orders.Apply coupon]``, ``Field[items.price]``); ``Rule[computePrice].Code`` — one cell
  of it; ``Rule`` — every row of a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import UsageError

MODEL = re.compile(r"model:([A-Za-z0-9_]{1,32})(?:\.([A-Za-z0-9_]{1,32}))?")
CONFIG = re.compile(r"([A-Za-z_][A-Za-z0-9_]{0,63})(?:\[([^\[\]]+)\])?(?:\.([A-Za-z_][A-Za-z0-9_]{0,63}))?")
ID_COLUMNS = frozenset({"ID", "Id", "ConfigVersion"})
POSITION = re.compile(r"#\d+'*")  # how a plan names a row that has no name: its place in its table


@dataclass(frozen=True)
class Selector:
    text: str
    model_object: str = ""
    model_field: str = ""
    table: str = ""
    row: str = ""  # a row's Name or key; "" = every row
    column: str = ""  # "" = the whole row

    @property
    def is_model(self) -> bool:
        return bool(self.model_object)

    def matches_row(self, key: str, name: str | None) -> bool:
        return not self.row or self.row == key or self.row == name

    @property
    def by_position(self) -> bool:
        """Whether the row is named by its place in the table (``Tooltip[#3]``), which is no identity."""
        return bool(POSITION.fullmatch(self.row))

    def cell_text(self, key: str) -> str:
        """How the plan names one matched row (or cell)."""
        row = f"{self.table}[{key}]" if self.table != "Database" else "Database"
        return f"{row}.{self.column}" if self.column else row


def parse(text: str) -> Selector:
    """Parse *text*; a malformed selector is a :class:`UsageError` that shows the forms."""
    text = text.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise UsageError(f"Selector {text!r} contains a control character.")
    if len(text) > 300:
        raise UsageError(f"Selector {text[:40]!r}… is {len(text)} characters long; at most 300.")
    if text.startswith("model:"):
        match = MODEL.fullmatch(text)
        if not match:
            raise UsageError(
                f"Selector {text!r}: a model selector is model:OBJECT or model:OBJECT.FIELD "
                "(letters, digits and _, at most 32)."
            )
        return Selector(text, model_object=match.group(1), model_field=match.group(2) or "")
    match = CONFIG.fullmatch(text)
    if not match:
        raise UsageError(
            f"Selector {text!r} is not understood. Use model:OBJECT, model:OBJECT.FIELD, Table.Column, "
            "Table[Name] or Table[Name].Column (for example Database.DisplayName or Rule[Send].Code)."
        )
    table, row, column = match.group(1), (match.group(2) or "").strip(), match.group(3) or ""
    if match.group(2) is not None and not row:
        raise UsageError(
            f"Selector {text!r}: the name in brackets is blank; leave the brackets out for every row."
        )
    if column in ID_COLUMNS:
        raise UsageError(f"Selector {text!r}: {column} is rewritten by every import; it cannot be selected.")
    return Selector(text, table=table, row=row, column=column)


def position_refused(table: str) -> tuple[str, str]:
    """Why a row without a name cannot be shaped alone, and what to do instead."""
    reason = (
        f"rows of {table} have no name, and a plan numbers them as they come (#1, #2…): adding or "
        "removing one renumbers the rest, so a position does not say which row is meant"
    )
    return reason, f"Name the whole table ({table}) to keep the target's {table} rows as they are."


def for_shaping(text: str) -> Selector:
    """*text* parsed as a new rule or exclusion takes it: a row named by its position is refused."""
    selector = parse(text)
    if selector.by_position:
        reason, advice = position_refused(selector.table)
        raise UsageError(f"Selector {selector.text}: {reason}. {advice}")
    return selector
