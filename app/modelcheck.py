"""The rules of a Backand model, shared by the promoter (to refuse bad input before sending it) and
the sandbox (which answers ``valid: "never"`` with the same sentences).

Objects and fields: letters, digits and underscore, at most 32 characters. Relations are one-to-many
and declared on both sides; many-to-many is rejected.
"""

from __future__ import annotations

import re
from typing import Any

MODEL_TYPES = ("string", "text", "float", "boolean", "datetime", "point", "binary", "int", "guid")
NAME = re.compile(r"^[A-Za-z0-9_]{1,32}$")
RESERVED_FIELDS = {"id"}
MAX_OBJECTS = 5000


def schema_errors(model: Any) -> list[str]:
    """Everything that makes *model* invalid (``valid: "never"``), as the server's plain strings."""
    if not isinstance(model, list):
        return ["The schema must be an array of objects."]
    errors: list[str] = []
    names: dict[str, dict[str, Any]] = {}
    for index, obj in enumerate(model):
        if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
            errors.append(f"Object number {index + 1} has no name.")
            continue
        name = obj["name"]
        if not NAME.fullmatch(name):
            errors.append(f"The object name '{name}' is invalid: use letters, digits and _, at most 32.")
        if name in names:
            errors.append(f"The object '{name}' is declared twice.")
        fields = obj.get("fields")
        if not isinstance(fields, dict):
            errors.append(f"The object '{name}' has no fields.")
            obj = {**obj, "fields": {}}
        names[name] = obj
    for name, obj in names.items():
        for fname, spec in obj["fields"].items():
            where = f"{name}.{fname}"
            if not NAME.fullmatch(fname):
                errors.append(f"The field name '{where}' is invalid.")
            if fname.lower() in RESERVED_FIELDS:
                errors.append(f"The field '{where}' uses a reserved name.")
            if not isinstance(spec, dict):
                errors.append(f"The field '{where}' must be an object.")
                continue
            errors.extend(_field_errors(where, name, spec, names))
    return errors


def _field_errors(
    where: str, owner: str, spec: dict[str, Any], objects: dict[str, dict[str, Any]]
) -> list[str]:
    for key in ("object", "collection", "via", "type"):
        if key in spec and not isinstance(spec[key], str):
            return [f"The field '{where}': '{key}' must be a name, not a {type(spec[key]).__name__}."]
    if "object" in spec:
        parent = spec["object"]
        if parent not in objects:
            return [f"The field '{where}' relates to an unknown object '{parent}'."]
        if "rename" in spec:
            return [f"The relation field '{where}' cannot be renamed."]
        back = [
            f
            for f, s in objects[parent]["fields"].items()
            if isinstance(s, dict) and s.get("collection") == owner and s.get("via") == where.split(".")[1]
        ]
        if not back:
            return [
                f"The relation '{where}' is one-sided: '{parent}' needs a collection of '{owner}' "
                f"via '{where.split('.')[1]}'."
            ]
        return []
    if "collection" in spec:
        child, via = spec["collection"], spec.get("via")
        if child not in objects:
            return [f"The collection '{where}' refers to an unknown object '{child}'."]
        target = objects[child]["fields"].get(via) if isinstance(via, str) else None
        if isinstance(target, dict) and "collection" in target:
            return [f"The relation '{where}' is many-to-many, which is not supported."]
        if not isinstance(target, dict) or target.get("object") != owner:
            return [
                f"The collection '{where}' is one-sided: '{child}.{via}' must be a relation to '{owner}'."
            ]
        return []
    ftype = spec.get("type")
    if ftype not in MODEL_TYPES:
        return [f"The field '{where}' has an unknown type '{ftype}'."]
    return []


def load_model_file(path: Any) -> list[dict[str, Any]]:
    """Read a model JSON file (the console's model editor text); refuse what cannot be a model."""
    import json
    from pathlib import Path

    from app.errors import UsageError

    file = Path(path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise UsageError(f"Cannot read the model file {file}: {exc.strerror}.") from None
    if not raw.strip():
        raise UsageError(f"The model file {file} is empty.")
    try:
        model = json.loads(raw)
    except ValueError as exc:
        raise UsageError(f"The model file {file} is not JSON ({exc}).") from None
    except RecursionError:
        raise UsageError(f"The model file {file} is nested too deeply to be a model.") from None
    if not isinstance(model, list):
        raise UsageError(
            f"The model file {file} holds {json_kind(model)}; a Backand model is a list of objects."
        )
    if len(model) > MAX_OBJECTS:
        raise UsageError(
            f"The model file {file} has {len(model):,} objects; the promoter handles at most {MAX_OBJECTS:,}."
        )
    problem = model_shape_problem(model)
    if problem:
        raise UsageError(f"The model file {file}: {problem}; a Backand model is a list of objects.")
    try:
        json.dumps(model, ensure_ascii=False, allow_nan=False).encode()
    except UnicodeEncodeError as exc:  # "\ud800" escapes to half of a character, which no text holds
        bad = exc.object[exc.start : exc.end].encode("unicode_escape").decode()
        raise UsageError(f"The model file {file} holds {bad}, half of a character: not text.") from None
    except ValueError:
        raise UsageError(f"The model file {file} holds NaN or Infinity: JSON has no such number.") from None
    return model


def model_shape_problem(body: Any) -> str:
    """What keeps *body* from being a model as every reader of one expects it (an array of objects,
    each with a name and, if any, its fields as an object of objects), or ``""``. Not the model's
    rules (:func:`schema_errors`): only the shape, so that a malformed answer is one clear error where
    it is read instead of a crash wherever it is used."""
    if not isinstance(body, list):
        return f"{json_kind(body)}, not an array"
    for number, obj in enumerate(body, 1):
        if not isinstance(obj, dict):
            return f"object number {number} is {json_kind(obj)}"
        name = obj.get("name")
        if not isinstance(name, str):
            return f"object number {number} has no name"
        fields = obj.get("fields", {})
        if not isinstance(fields, dict):
            return f"the fields of {name[:40]!r} are {json_kind(fields)}, not an object"
        for fname, spec in fields.items():
            if not isinstance(spec, dict):
                return f"the field {name[:40]}.{fname[:40]} is {json_kind(spec)}, not an object"
    return ""


def json_kind(value: Any) -> str:
    """A JSON value's kind in words: "null", "a number", "an array", "an object"…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    kinds: dict[type, str] = {str: "a string", list: "an array", dict: "an object"}
    return kinds.get(type(value), "a JSON value")
