"""The bad-input corpus: small cases are committed next to this file (``--write`` regenerates them);
large ones (a 60 MiB zip, a zip bomb, a 10,000-object model) are built at test time.

Each case names the fragment its error message must contain.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
APP_DOC = (
    b'<?xml version="1.0" standalone="yes"?>\n<NewDataSet>\n  <Database>\n    <ID>0</ID>\n'
    b"    <ConfigVersion>1.0.3</ConfigVersion>\n  </Database>\n</NewDataSet>\n"
)
MAP_DOC = b'<?xml version="1.0" standalone="yes"?>\n<MapDataSet xmlns="http://tempuri.org/MapDataSet.xsd">\n</MapDataSet>\n'
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;">]>\n<NewDataSet>&lol2;</NewDataSet>\n'
)
EXTERNAL = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<NewDataSet>&e;</NewDataSet>\n'


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


GOOD = [("duradosappsys7", APP_DOC), ("duradosappsys7xml", MAP_DOC)]

# file name -> (content, fragment of the expected message)
ZIPS: dict[str, tuple[bytes, str]] = {
    "not-a-zip.zip": (b"This is a text file, not a zip.\n", "not a zip file"),
    "empty.zip": (b"", "is empty"),
    "truncated.zip": (_zip(GOOD)[:150], "not a zip file"),
    "dotdot-entry.zip": (
        _zip([("../duradosappsys7", APP_DOC), ("duradosappsys7xml", MAP_DOC)]),
        "climbs out",
    ),
    "absolute-entry.zip": (
        _zip([("/etc/duradosappsys7", APP_DOC), ("duradosappsys7xml", MAP_DOC)]),
        "absolute path",
    ),
    "entries-reversed.zip": (_zip(list(reversed(GOOD))), "reversed"),
    "entry-missing.zip": (_zip(GOOD[:1]), "has 1 entry"),
    "entry-extra.zip": (_zip([*GOOD, ("readme.txt", b"hi")]), "has 3 entries"),
    "billion-laughs.zip": (
        _zip([("duradosappsys7", LAUGHS), ("duradosappsys7xml", MAP_DOC)]),
        "DTD or entities",
    ),
    "external-entity.zip": (
        _zip([("duradosappsys7", EXTERNAL), ("duradosappsys7xml", MAP_DOC)]),
        "DTD or entities",
    ),
    "not-a-dataset.zip": (
        _zip([("duradosappsys7", b"<html><body/></html>"), ("duradosappsys7xml", MAP_DOC)]),
        "not a NewDataSet",
    ),
    "broken-xml.zip": (
        _zip([("duradosappsys7", b"<NewDataSet><View></NewDataSet>"), ("duradosappsys7xml", MAP_DOC)]),
        "not well-formed",
    ),
}


def _obj(name: str, fields: dict[str, object]) -> dict[str, object]:
    return {"name": name, "fields": fields}


MODELS: dict[str, tuple[object, str, int]] = {  # content, fragment, exit status
    "model-not-a-list.json": ({"name": "items", "fields": {}}, "a Backand model is a list", 2),
    "model-bad-name.json": ([_obj("bad name!", {"title": {"type": "string"}})], "is invalid", 3),
    "model-unknown-type.json": ([_obj("items", {"price": {"type": "money"}})], "unknown type 'money'", 3),
    "model-one-sided.json": (
        [_obj("items", {"owner": {"object": "users"}}), _obj("users", {"email": {"type": "string"}})],
        "one-sided",
        3,
    ),
    "model-many-to-many.json": (
        [
            _obj("a", {"bs": {"collection": "b", "via": "as_"}}),
            _obj("b", {"as_": {"collection": "a", "via": "bs"}}),
        ],
        "many-to-many",
        3,
    ),
    "model-not-json.json": (None, "is not JSON", 2),
}


def write(folder: Path = HERE) -> None:
    for name, (content, _fragment) in ZIPS.items():
        (folder / name).write_bytes(content)
    for name, (content, _fragment, _code) in MODELS.items():
        text = "{not json" if content is None else json.dumps(content, indent=1)
        (folder / name).write_text(text + "\n")
    (folder / "profiles-corrupted.json").write_text('{"schema_version": 1, "profiles": [\n')
    (folder / "profiles-newer.json").write_text('{"schema_version": 7, "profiles": []}\n')


def build_large(folder: Path) -> dict[str, tuple[Path, str]]:
    """The cases too large to commit; returns name -> (path, fragment)."""
    from tests.helpers import big_config_zip

    out: dict[str, tuple[Path, str]] = {}
    big = big_config_zip(folder / "sixty-mib.zip", 60)
    out["sixty-mib.zip"] = (big, "over Backand's request limit")
    bomb = folder / "zip-bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("duradosappsys7", "w") as entry:
            entry.write(APP_DOC[:-14])
            chunk = b" " * (1024 * 1024)
            for _ in range(300):
                entry.write(chunk)
            entry.write(b"</NewDataSet>\n")
        archive.writestr("duradosappsys7xml", MAP_DOC)
    out["zip-bomb.zip"] = (bomb, "zip bomb")
    many = folder / "model-ten-thousand.json"
    many.write_text(json.dumps([_obj(f"t{i}", {"f": {"type": "string"}}) for i in range(10_000)]))
    out["model-ten-thousand.json"] = (many, "at most 5,000")
    return out


if __name__ == "__main__":
    if "--write" in sys.argv:
        write()
        print(f"wrote the small corpus into {HERE}")
