"""The configuration to send: edits of the source's two documents that rules and exclusions ask for.

Rows are matched by the keys the plan shows (``Rule[orders.Apply coupon]``, ``Field[items.price]``,
``Database``), in the app document and, for objects and fields, in the map document too. A pinned
row or cell takes the target's value (or its absence); ids and view references stay in the sent
document's own numbering. Nothing is edited where the two sides are already equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.configdoc.diff import UPLOADS, VIEW_REFS, row_key
from app.configdoc.rewrite import DocEdits, FromOther, Replace, RowId, Subn, Value
from app.configdoc.xmlstream import ConfigDocs, DataSet, Row, is_digest
from app.plural import count
from app.shaping.effects import Effect, Source, cannot, short, unmatched
from app.shaping.model import ModelShape
from app.shaping.rules import Rule
from app.shaping.selectors import ID_COLUMNS, POSITION, Selector, position_refused

MAP_REFS = {"Field": "ViewId"}


@dataclass
class _Doc:
    """One document's rows by table and key, with its views' ids."""

    data: DataSet
    refs: dict[str, str]
    id_column: str
    rows: dict[str, dict[str, tuple[int, Row]]] = field(default_factory=dict)
    view_ids: dict[str, str] = field(default_factory=dict)  # view name -> id
    nameless: dict[str, list[str]] = field(default_factory=dict)  # table -> keys that are positions

    def __post_init__(self) -> None:
        views = self.data.tables.get("View", [])
        names = {row.get(self.id_column, ""): row.get("Name", "") for row in views}
        self.view_ids = {name: vid for vid, name in names.items()}
        for table, rows in self.data.tables.items():
            keyed: dict[str, tuple[int, Row]] = {}
            ref = self.refs.get(table)
            for ordinal, row in enumerate(rows):
                named = (
                    {**row, ref: names.get(row.get(ref, ""), row.get(ref, ""))} if ref and ref in row else row
                )
                key = row_key(table, named, ordinal, ref)
                while key in keyed:
                    key += "'"
                keyed[key] = (ordinal, row)
                if row.get("Name") is None and POSITION.fullmatch(key):
                    self.nameless.setdefault(table, []).append(key)
            self.rows[table] = keyed

    def content(self, table: str, row: Row) -> dict[str, str | None]:
        """A row as compared when it has no name: its cells, without ids, views by name."""
        ref = self.refs.get(table)
        return {
            c: (self.view_of(table, row) if c == ref else _norm(row.get(c)))
            for c in row
            if c not in ID_COLUMNS
        }

    def view_of(self, table: str, row: Row) -> str:
        """The name of the view a row belongs to ("" when the table has no view reference)."""
        ref = self.refs.get(table)
        if not ref:
            return ""
        return next((name for name, vid in self.view_ids.items() if vid == row.get(ref)), "")


@dataclass
class ConfigShape:
    app: DocEdits = field(default_factory=DocEdits)
    map: DocEdits = field(default_factory=DocEdits)
    effects: list[Effect] = field(default_factory=list)
    replaced: dict[tuple[str, RowId, str], tuple[str, str, str]] = field(
        default_factory=dict
    )  # by, where, what

    @property
    def empty(self) -> bool:
        return self.app.empty and self.map.empty

    def replace_effects(self, counts: dict[str, dict[tuple[RowId, str], int]]) -> list[Effect]:
        """The replace rules' effects, with the counts the rewrite made."""
        out = []
        for (doc, row_id, column), (by, where, what) in self.replaced.items():
            count = counts.get(doc, {}).get((row_id, column), 0)
            if count:
                plural = "occurrence" if count == 1 else "occurrences"
                text = f"replaced by {by} in {where}: {count} {plural} of {what}"
                out.append(Effect("replaced", by, where, text))
        return out


class _Shaper:
    def __init__(
        self, source: ConfigDocs, target: ConfigDocs, model: ModelShape, changed: set[str], regex_subn: Subn
    ) -> None:
        self.regex_subn = regex_subn
        self.src = {"app": _Doc(source.app, VIEW_REFS, "ID"), "map": _Doc(source.map, MAP_REFS, "Id")}
        self.dst = {"app": _Doc(target.app, VIEW_REFS, "ID"), "map": _Doc(target.map, MAP_REFS, "Id")}
        self.model = model
        self.changed = changed  # "o" and "o.f": what the sent model adds or removes on the target
        self.shape = ConfigShape()
        self.pinned: set[tuple[str, str, str]] = set()  # (doc, table, key)
        self.pinned_cells: set[tuple[str, str, str, str]] = set()
        self.new_ids: dict[tuple[str, str], str] = {}  # (doc, view name) -> id given to a re-added view
        self.counters: dict[tuple[str, str], int] = {}

    def edits(self, doc: str) -> DocEdits:
        return self.shape.app if doc == "app" else self.shape.map

    # -- pins ---------------------------------------------------------------------------------

    def pin_row(self, doc: str, table: str, key: str, who: Source, why: str = "") -> None:
        if (doc, table, key) in self.pinned:
            return
        self.pinned.add((doc, table, key))
        s, t = self.src[doc].rows.get(table, {}).get(key), self.dst[doc].rows.get(table, {}).get(key)
        name = f"{table}[{key}]" if table != "Database" else "Database"
        label = name if doc == "app" else f"{name} (map)"
        verb = who.kept_verb() if not why else f"with {why}"
        kind, by = ("with", why) if why else ("kept", who.label)
        if s and t:
            columns = [
                c
                for c in dict.fromkeys([*s[1], *t[1]])
                if c not in ID_COLUMNS and c != self.src[doc].refs.get(table)
            ]
            changed = [c for c in columns if _norm(s[1].get(c)) != _norm(t[1].get(c))]
            for column in changed:
                self.edits(doc).set_cell((table, s[0]), column, _value(table, t, column))
            if changed:
                self.shape.effects.append(
                    Effect(kind, by, label, f"{verb}: {label} (the target's {', '.join(changed)})")
                )
        elif s:
            self.edits(doc).removed.add((table, s[0]))
            self.shape.effects.append(Effect(kind, by, label, f"{verb}: {label} (not added)"))
        elif t and self._add_row(doc, table, t, who, label):
            self.shape.effects.append(Effect(kind, by, label, f"{verb}: {label} (not removed)"))

    def _add_row(self, doc: str, table: str, t: tuple[int, Row], who: Source, label: str) -> bool:
        src, dst = self.src[doc], self.dst[doc]
        ref = src.refs.get(table)
        cells: dict[str, Value] = {c: _value(table, t, c) for c in t[1]}
        if ref and ref in t[1]:
            view = dst.view_of(table, t[1])
            new_ref = self.new_ids.get((doc, view)) or src.view_ids.get(view)
            if new_ref is None:
                self.shape.effects.append(
                    cannot(
                        who,
                        label,
                        f"this promotion removes its object {view}",
                        f"Leave out model:{view} to keep both.",
                    )
                )
                return False
            cells[ref] = new_ref
        if src.id_column in cells:
            cells[src.id_column] = self._new_id(doc, table)
            if table == "View":
                self.new_ids[(doc, t[1].get("Name", ""))] = str(cells[src.id_column])
        self.edits(doc).added.setdefault(table, []).append(cells)
        return True

    def _new_id(self, doc: str, table: str) -> str:
        src = self.src[doc]
        ids = [
            int(r[src.id_column])
            for r in src.data.tables.get(table, [])
            if r.get(src.id_column, "").lstrip("-").isdigit()
        ]
        step = -1 if ids and max(ids) < 0 else 1
        base = (min(ids) if step < 0 else max(ids)) if ids else 0
        count = self.counters[(doc, table)] = self.counters.get((doc, table), 0) + 1
        return str(base + step * count)

    def pin_cell(self, table: str, key: str, column: str, who: Source) -> None:
        if ("app", table, key) in self.pinned or ("app", table, key, column) in self.pinned_cells:
            return
        self.pinned_cells.add(("app", table, key, column))
        s, t = self.src["app"].rows.get(table, {}).get(key), self.dst["app"].rows.get(table, {}).get(key)
        where = Selector("", table=table, column=column).cell_text(key)
        if not any(side and column in side[1] for side in (s, t)):
            self.shape.effects.append(unmatched(who, where, f": no such column in {table}"))
            return
        if s and t:
            if _norm(s[1].get(column)) != _norm(t[1].get(column)):
                self.edits("app").set_cell((table, s[0]), column, _value(table, t, column))
                value = t[1].get(column)
                shown = short(value) if value is not None else "no value"
                self.shape.effects.append(
                    Effect(
                        "kept", who.label, where, f"{who.kept_verb()}: {where}: the target's value {shown}"
                    )
                )
            return
        whole = Selector("", table=table).cell_text(key)
        reason = "the row is new" if s else "this promotion removes the row"
        self.shape.effects.append(cannot(who, where, reason, f"Leave out {whole} instead."))

    # -- from selectors, the model and replace rules ----------------------------------------------

    def matched(self, selector: Selector) -> list[str]:
        keys = []
        for side in (self.src["app"], self.dst["app"]):
            for key, (_ordinal, row) in side.rows.get(selector.table, {}).items():
                if selector.matches_row(key, row.get("Name")) and key not in keys:
                    keys.append(key)
        return keys

    def pin_selector(self, selector: Selector, who: Source) -> None:
        nameless = self._nameless(selector.table)
        if selector.by_position or selector.row in nameless:
            reason, advice = position_refused(selector.table)
            self.shape.effects.append(cannot(who, selector.text, reason, advice))
            return
        keys = self.matched(selector)
        if not keys:
            self.shape.effects.append(unmatched(who, selector.text, " in either configuration"))
            return
        if any(key in nameless for key in keys):  # a whole table, or a column of each of its rows
            if selector.column:
                reason, advice = position_refused(selector.table)
                self.shape.effects.append(cannot(who, selector.text, reason, advice))
            else:
                self.pin_nameless(selector.table, who)
            keys = [key for key in keys if key not in nameless]
        for key in keys:
            if selector.column:
                self.pin_cell(selector.table, key, selector.column, who)
            elif self._model_owned(selector, key, who):
                self.pin_row("app", selector.table, key, who)

    def _nameless(self, table: str) -> set[str]:
        return {*self.src["app"].nameless.get(table, ()), *self.dst["app"].nameless.get(table, ())}

    def pin_nameless(self, table: str, who: Source) -> None:
        """The target's rows of *table* that have no name, sent as they are in place of the source's:
        such rows are matched by what they hold, never by their position."""
        src, dst = self.src["app"], self.dst["app"]
        theirs = [src.rows[table][key] for key in src.nameless.get(table, ())]
        ours = [dst.rows[table][key] for key in dst.nameless.get(table, ())]
        if [src.content(table, r) for _o, r in theirs] == [dst.content(table, r) for _o, r in ours]:
            return
        for ordinal, _row in theirs:
            self.edits("app").removed.add((table, ordinal))
        kept = [side for side in ours if self._add_row("app", table, side, who, table)]
        what = (
            f"{table} (its rows have no name: the target's {count(len(kept), 'row')} sent as they are, "
            f"in place of the source's {len(theirs)})"
        )
        self.shape.effects.append(Effect("kept", who.label, table, f"{who.kept_verb()}: {what}"))

    def _model_owned(self, selector: Selector, key: str, who: Source) -> bool:
        """False (refused or noted) when the row is an object or field the sent model adds or removes:
        that change is the model's, and is left out with ``model:…``."""
        thing = key if selector.table in ("View", "Field") else ""
        owner = thing.split(".", 1)[0]
        if not thing or (thing not in self.changed and owner not in self.changed):
            return True
        model_sel = f"model:{thing if thing in self.changed else owner}"
        where = Selector("", table=selector.table).cell_text(key)
        reason = f"it follows {model_sel}, which this promotion adds or removes"
        self.shape.effects.append(cannot(who, where, reason, f"Leave out {model_sel} instead."))
        return False

    def follow_model(self) -> None:
        for name, who in self.model.objects.items():
            cause = f"model:{name}"
            for doc in ("app", "map"):
                for table in ("View", "Field", "Rule"):
                    for key in self._keys(doc, table):
                        owner = key if table == "View" else key.split(".", 1)[0]
                        if owner == name:
                            self.pin_row(doc, table, key, who, cause)
        for (name, fname), who in self.model.fields.items():
            if name in self.model.objects:
                continue
            for doc in ("app", "map"):
                self.pin_row(doc, "Field", f"{name}.{fname}", who, f"model:{name}.{fname}")

    def _keys(self, doc: str, table: str) -> list[str]:
        return list(dict.fromkeys([*self.src[doc].rows.get(table, {}), *self.dst[doc].rows.get(table, {})]))

    def replace(self, rule: Rule) -> None:
        selector = rule.parsed
        keys = [k for k in self.matched(selector) if k in self.src["app"].rows.get(selector.table, {})]
        if not keys:
            self.shape.effects.append(
                unmatched(Source(f"rule {rule.id}", False), selector.text, " in the source")
            )
            return
        if selector.by_position or selector.row in self._nameless(selector.table):
            reason, _advice = position_refused(selector.table)
            self.shape.effects.append(cannot(Source(f"rule {rule.id}", False), selector.text, reason, ""))
            return
        spec = Replace(rule.find, rule.with_, rule.regex, self.regex_subn, f"Rule {rule.id}")
        ref = VIEW_REFS.get(selector.table)
        what = f"{short(rule.find, 40)} → {short(rule.with_, 40)}"
        for key in keys:
            if ("app", selector.table, key) in self.pinned:
                whole = Selector("", table=selector.table).cell_text(key)
                self.shape.effects.append(
                    Effect(
                        "not-applied",
                        f"rule {rule.id}",
                        whole,
                        f"rule {rule.id} not applied to {whole}: the target keeps that row",
                    )
                )
                continue
            ordinal, row = self.src["app"].rows[selector.table][key]
            columns = (
                [selector.column]
                if selector.column
                else [c for c in row if c not in ID_COLUMNS and c not in (ref, "Name")]
            )
            for column in columns:
                text = row.get(column)
                if text is None:
                    continue
                if ("app", selector.table, key, column) in self.pinned_cells:
                    cell = Selector("", table=selector.table, column=column).cell_text(key)
                    self.shape.effects.append(
                        Effect(
                            "not-applied",
                            f"rule {rule.id}",
                            cell,
                            f"rule {rule.id} not applied to {cell}: the target keeps that value",
                        )
                    )
                    continue
                if not is_digest(text) and spec.apply(text)[0] == text:
                    continue  # nothing found, or it already reads as it would
                self.edits("app").set_cell((selector.table, ordinal), column, spec)
                where = Selector("", table=selector.table, column=column).cell_text(key)
                self.shape.replaced[("app", (selector.table, ordinal), column)] = (
                    f"rule {rule.id}",
                    where,
                    what,
                )


def _norm(value: str | None) -> str | None:
    return UPLOADS.sub("/Uploads/", value) if value and "/Uploads/" in value else value


def _value(table: str, side: tuple[int, Row], column: str) -> Value:
    text: str | None = side[1].get(column)
    if text is not None and is_digest(text):
        return FromOther(table, side[0], column)
    return text


def shape_config(
    source: ConfigDocs,
    target: ConfigDocs,
    model: ModelShape,
    changed: set[str],
    pins: list[tuple[Selector, Source]],
    replaces: list[Rule],
    regex_subn: Subn,
) -> ConfigShape:
    """The edits of the source's documents; *changed* names what the sent model adds or removes;
    *regex_subn* runs the replace rules' regular expressions."""
    shaper = _Shaper(source, target, model, changed, regex_subn)
    shaper.follow_model()
    for selector, who in pins:
        if not selector.is_model:
            shaper.pin_selector(selector, who)
    for rule in replaces:
        shaper.replace(rule)
    return shaper.shape
