"""The model to send: the source's, with what rules and exclusions keep at the target's state.

A pinned object or field takes the target's definition (or its absence). A relation is one field on
each side: pinning one side pins the other ("excluded with it"), and pinning an object pins every
changed relation field that points at it. What cannot be honoured is refused, saying why.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from app.backand.model import Model
from app.shaping.effects import Effect, Source, cannot, unmatched
from app.shaping.selectors import Selector

FieldRef = tuple[str, str]


@dataclass
class ModelShape:
    model: Model
    objects: dict[str, Source] = field(default_factory=dict)  # pinned objects
    fields: dict[FieldRef, Source] = field(default_factory=dict)  # pinned fields
    induced: set[FieldRef] = field(default_factory=set)  # pinned because another pin drags them along
    effects: list[Effect] = field(default_factory=list)


def _objects(model: Model) -> dict[str, dict[str, Any]]:
    return {obj["name"]: obj for obj in model if isinstance(obj, dict) and "name" in obj}


def _field(model: dict[str, dict[str, Any]], ref: FieldRef) -> Any:
    return model.get(ref[0], {}).get("fields", {}).get(ref[1])


def shape_model(source: Model, target: Model, pins: list[tuple[Selector, Source]]) -> ModelShape:
    src, dst = _objects(source), _objects(target)
    shape = ModelShape(copy.deepcopy(source))
    for selector, who in pins:
        if not selector.is_model:
            continue
        name, fname = selector.model_object, selector.model_field
        if name not in src and name not in dst:
            shape.effects.append(unmatched(who, selector.text, " in either model"))
        elif not fname:
            shape.objects.setdefault(name, who)
        elif _field(src, (name, fname)) is None and _field(dst, (name, fname)) is None:
            shape.effects.append(unmatched(who, selector.text, " in either model"))
        else:
            shape.fields.setdefault((name, fname), who)
    _close(shape, src, dst)
    _build(shape, src, dst, target)
    return shape


def _other_sides(ref: FieldRef, spec: Any, model: dict[str, dict[str, Any]]) -> list[FieldRef]:
    if not isinstance(spec, dict):
        return []
    if "object" in spec:  # the child side: the parent's collection that goes via this field
        parent = model.get(str(spec["object"]), {})
        return [
            (str(spec["object"]), fname)
            for fname, other in parent.get("fields", {}).items()
            if isinstance(other, dict) and other.get("collection") == ref[0] and other.get("via") == ref[1]
        ]
    if "collection" in spec and "via" in spec:
        return [(str(spec["collection"]), str(spec["via"]))]
    return []


def _close(shape: ModelShape, src: dict[str, dict[str, Any]], dst: dict[str, dict[str, Any]]) -> None:
    """Add what the pins drag along: a relation's other side; relation fields pointing at a pinned
    object (when they differ)."""
    changed = True
    while changed:
        changed = False
        for name, who in list(shape.objects.items()):
            for model in (src, dst):
                for obj_name, obj in model.items():
                    for fname, spec in obj.get("fields", {}).items():
                        ref = (obj_name, fname)
                        points = isinstance(spec, dict) and name in (
                            spec.get("object"),
                            spec.get("collection"),
                        )
                        if (
                            points
                            and obj_name not in shape.objects
                            and ref not in shape.fields
                            and _field(src, ref) != _field(dst, ref)
                        ):
                            _induce(shape, ref, who, f"model:{name}", "it relates to that object", src, dst)
                            changed = True
        for ref, who in list(shape.fields.items()):
            for model in (src, dst):
                for other in _other_sides(ref, _field(model, ref), model):
                    if other[0] not in shape.objects and other not in shape.fields:
                        _induce(
                            shape,
                            other,
                            who,
                            f"model:{ref[0]}.{ref[1]}",
                            "the relation's other side",
                            src,
                            dst,
                        )
                        changed = True


def _induce(
    shape: ModelShape,
    ref: FieldRef,
    who: Source,
    cause: str,
    why: str,
    src: dict[str, dict[str, Any]],
    dst: dict[str, dict[str, Any]],
) -> None:
    """Pin *ref* because a pin drags it along. A field of an object this promotion removes cannot be
    kept alone: the object is kept with it."""
    if ref[0] not in src and ref[0] in dst:
        shape.objects[ref[0]] = who
        selector = f"model:{ref[0]}"
        shape.effects.append(Effect("with", cause, selector, f"{selector} goes with {cause} ({why})"))
        return
    shape.fields[ref] = who
    shape.induced.add(ref)
    shape.effects.append(_with(ref, cause, why))


def _with(ref: FieldRef, cause: str, why: str) -> Effect:
    selector = f"model:{ref[0]}.{ref[1]}"
    return Effect("with", cause, selector, f"{selector} goes with {cause} ({why})")


def _build(
    shape: ModelShape, src: dict[str, dict[str, Any]], dst: dict[str, dict[str, Any]], target: Model
) -> None:
    model = shape.model
    for name, who in shape.objects.items():
        index = next((i for i, obj in enumerate(model) if obj.get("name") == name), None)
        if name in dst and name in src:
            if src[name] != dst[name]:
                model[index] = copy.deepcopy(dst[name])  # type: ignore[index]
                shape.effects.append(
                    Effect(
                        "kept",
                        who.label,
                        f"model:{name}",
                        f"{who.kept_verb()}: model:{name} (the target's definition)",
                    )
                )
        elif name in src:  # the source adds it: it is not sent
            del model[index]  # type: ignore[arg-type]
            shape.effects.append(
                Effect("kept", who.label, f"model:{name}", f"{who.kept_verb()}: model:{name} (not added)")
            )
        else:  # the source removed it: the target keeps it
            position = next(i for i, obj in enumerate(target) if obj.get("name") == name)
            model.insert(min(position, len(model)), copy.deepcopy(dst[name]))
            shape.effects.append(
                Effect("kept", who.label, f"model:{name}", f"{who.kept_verb()}: model:{name} (not removed)")
            )
    sent = _objects(model)
    for (name, fname), who in shape.fields.items():
        if name in shape.objects:
            continue
        old, new = _field(dst, (name, fname)), _field(src, (name, fname))
        if old == new:
            continue
        selector = f"model:{name}.{fname}"
        if name not in sent:
            reason = f"this promotion removes the object {name}"
            shape.effects.append(cannot(who, selector, reason, f"Leave out model:{name} to keep both."))
            continue
        fields = sent[name].setdefault("fields", {})
        if name not in dst and (name, fname) in shape.induced:  # a new object: the target has no such
            fields.pop(fname, None)  # field, so neither side of the relation is sent
            shape.effects.append(
                Effect("kept", who.label, selector, f"{who.kept_verb()}: {selector} (not added)")
            )
            continue
        if name not in dst:
            advice = f"The target has no such field to keep; leave out model:{name} instead."
            shape.effects.append(cannot(who, selector, f"the object {name} is new", advice))
            continue
        if old is None:
            fields.pop(fname, None)
            what = "not added"
        else:
            fields[fname] = copy.deepcopy(old)
            what = "not removed" if new is None else "the target's definition"
        shape.effects.append(Effect("kept", who.label, selector, f"{who.kept_verb()}: {selector} ({what})"))
