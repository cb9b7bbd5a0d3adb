"""Shape a promotion: the target's rules and this promotion's exclusions, turned into what is sent.

Two steps, because the model is validated before the configurations are read: ``shape_model`` gives
the model to send; ``build_sent`` the configuration zip to send (the source's export, rewritten
byte for byte only where a rule or an exclusion says so, archived as its own entry).
"""

from __future__ import annotations

import functools
import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.archive import Entry
from app.backand.model import Model
from app.configdoc.xmlstream import ConfigDocs
from app.engine.context import Context
from app.engine.events import CancelToken, Reporter
from app.engine.modeldiff import ModelDiff
from app.fsutil import move_into
from app.plural import count
from app.profile import Profile
from app.shaping import model as model_shape
from app.shaping.effects import Effect, Source
from app.shaping.rules import Rule
from app.shaping.selectors import Selector, for_shaping, parse


@dataclass(frozen=True)
class ShapeSpec:
    """The rules and exclusions one promotion applies."""

    rules: tuple[Rule, ...] = ()
    excludes: tuple[str, ...] = ()
    no_rules: bool = False  # the target has rules, and this promotion ignores them
    ignored: int = 0  # how many rules --no-rules set aside

    @property
    def active(self) -> bool:
        return bool(self.rules or self.excludes)

    @property
    def digest(self) -> str:
        """Part of the plan's stamp: a plan confirmed with other rules or exclusions is stale."""
        text = json.dumps([[r.as_json() for r in self.rules], sorted(self.excludes), self.no_rules])
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def pins(self) -> list[tuple[Selector, Source]]:
        pins = [(r.parsed, Source(f"rule {r.id}", False)) for r in self.rules if r.kind == "keep"]
        return pins + [(parse(text), Source("exclusion", True)) for text in self.excludes]

    def replaces(self) -> list[Rule]:
        return [r for r in self.rules if r.kind == "replace"]


def spec_for(target: Profile, excludes: tuple[str, ...], no_rules: bool) -> ShapeSpec:
    """What a promotion into *target* applies; a malformed exclusion is refused here, before any read."""
    for text in excludes:
        for_shaping(text)
    rules = tuple(target.rules or ())
    if no_rules:
        return ShapeSpec((), tuple(excludes), bool(rules), len(rules))
    return ShapeSpec(rules, tuple(excludes))


@dataclass
class Shaped:
    spec: ShapeSpec
    model: model_shape.ModelShape | None = None
    effects: list[Effect] = field(default_factory=list)
    sent: Entry | None = None  # the rewritten zip (None: the source's export is sent as it is)

    def summary(self) -> dict[str, Any]:
        return {
            "rules": [r.as_json() for r in self.spec.rules],
            "excludes": list(self.spec.excludes),
            "no_rules": self.spec.no_rules,
            "rules_ignored": self.spec.ignored,
            "effects": [e.as_json() for e in self.effects],
            "sent_id": self.sent.id if self.sent else None,
        }

    def lines(self) -> list[str]:
        """One line per effect; the rows that follow a model object or field grouped on one line."""
        out: list[str] = []
        grouped: dict[str, list[str]] = {}
        for effect in self.effects:
            if effect.kind == "with" and not effect.selector.startswith("model:"):
                if effect.by not in grouped:
                    grouped[effect.by] = []
                    out.append(effect.by)  # a place holder, filled below
                grouped[effect.by].append(effect.selector.removesuffix(" (map)"))
            else:
                out.append(effect.text)
        for cause, selectors in grouped.items():
            rows = list(dict.fromkeys(selectors))
            out[out.index(cause)] = f"with {cause}, its rows: {', '.join(rows)}"
        if self.spec.no_rules:
            out.insert(0, f"--no-rules: the target's {count(self.spec.ignored, 'rule')} NOT applied")
        return out

    def effect_lines(self) -> list[str]:
        """The effects alone (not the --no-rules note): the one count the plan and the confirmation give."""
        return [line for line in self.lines() if not line.startswith("--no-rules")]


def shape_model(spec: ShapeSpec, source: Model, target: Model) -> Shaped:
    shaped = Shaped(spec)
    shaped.model = model_shape.shape_model(source, target, spec.pins())
    shaped.effects += shaped.model.effects
    return shaped


def changed_by(diff: ModelDiff) -> set[str]:
    """Objects and fields the sent model adds or removes: their View and Field rows follow the model."""
    out = set(diff.added_objects) | set(diff.removed_objects)
    return out | {f"{f.obj}.{f.name}" for f in diff.fields if f.change in ("added", "removed")}


def write_sent(
    shaped: Shaped,
    source: tuple[Path, ConfigDocs],
    target: tuple[Path, ConfigDocs],
    model_diff: ModelDiff,
    dest: Path,
    cancel: CancelToken | None = None,
) -> bool:
    """Write the zip to send to *dest* from the source's and the target's zips (and their parsed
    documents); False, writing nothing, when no rule or exclusion changes anything. Regular
    expressions run in a child process, bounded in time and stopped by *cancel*."""
    # Imported here: a promotion with no rule and no exclusion never rewrites (faster start-up).
    from app.configdoc.rewrite import rewrite_zip
    from app.shaping import config as config_shape
    from app.shaping.regexrun import RegexRunner

    assert shaped.model is not None
    with RegexRunner(cancel.is_set if cancel is not None else None) as regex:
        shape = config_shape.shape_config(
            source[1],
            target[1],
            shaped.model,
            changed_by(model_diff),
            shaped.spec.pins(),
            shaped.spec.replaces(),
            regex.subn,
        )
        shaped.effects += shape.effects
        if shape.empty:
            return False
        counts = rewrite_zip(source[0], dest, shape.app, shape.map, target[0])
    shaped.effects += shape.replace_effects({"app": counts})
    return True


def build_sent(
    ctx: Context,
    shaped: Shaped,
    export: Entry,
    target_entry: Entry,
    model_diff: ModelDiff,
    reporter: Reporter,
    note: str,
) -> Entry:
    """The configuration to send: *export* itself, or its rewrite, archived as a ``plan`` entry (a
    promotion re-files it as ``sent``)."""
    if not shaped.spec.active:
        return export
    source = (ctx.archive.path_of(export), ctx.docs(export))
    target = (ctx.archive.path_of(target_entry), ctx.docs(target_entry))
    with tempfile.TemporaryDirectory(dir=ctx.home.tmp_dir) as folder:
        staged = Path(folder) / "sent.zip"
        if not write_sent(shaped, source, target, model_diff, staged, reporter.cancel):
            return export

        sent = ctx.archive.add_file(
            functools.partial(move_into, staged),
            profile=export.profile,
            base_url=export.base_url,
            app=export.app,
            kind="plan",
            model=shaped.model.model if shaped.model else None,
            note=note,
        )
    shaped.sent = sent
    reporter.log(
        f"to send: {export.profile}'s configuration shaped by rules/exclusions, archived as #{sent.id}"
    )
    return sent
