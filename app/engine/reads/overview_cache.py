"""What an Overview read learned per environment, kept in the home (``HOME/cache/overview/``) so that
a later read downloads only an environment that may have changed and compares again only the
steps that involve it.

Per environment (keyed by its target key, URL + app): the state a cheap read can see again (the
current label, the version list, the model's digest, the promoter's history mark), what the full
read found (the zip's sha256 and size, the configuration's fingerprint) and the zip itself, kept
beside it for the comparisons of a neighbour that changed. Per step: the counts, keyed by both
sides' zip sha256 and model digest and the target's rules. Every file is checked on load; one that
is missing, unreadable, of another format or wrong in any field is deleted and rebuilt by a full
read, never trusted. Nothing here is needed: deleting the folder costs one full read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from app import logs
from app.configdoc.dataset import ConfigDocs
from app.configdoc.zipcheck import check_config_zip
from app.errors import InvalidConfigZip
from app.fsutil import atomic_write_bytes, copy_atomically, move_into, sha256_file
from app.paths import Home

FORMAT = 1
log = logs.engine


class CacheDamaged(Exception):
    """A kept zip is not the one recorded (gone, cut short, altered): read the environment again."""


@dataclass(frozen=True)
class Seen:
    """What a cheap read sees of an environment: the label it serves, the server's version list,
    the model's digest, and the promoter's history mark (every write into it up to that run ended)."""

    current: str
    versions: tuple[str, ...]
    model: str
    mark: int


@dataclass(frozen=True)
class Known:
    """What the last full read (or the promoter's verified write) learned of one environment."""

    target_key: str
    how: str  # "read": downloaded by an Overview; "written": what the promoter's run verified
    at: float  # when that content was downloaded (or verified by the write)
    run: int  # the write's run id ("written"), else 0
    seen: Seen  # the cheap state at that time
    sha256: str
    size: int
    fingerprint: str
    mismatch: tuple[str, ...] = ()  # what its configuration and model disagree on (consistency.py)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["seen"]["versions"] = list(self.seen.versions)
        data["mismatch"] = list(self.mismatch)
        return {"format": FORMAT, **data}


@dataclass(frozen=True)
class Compared:
    """A step's counts, and what they were computed from."""

    key: str  # both sides' sha256 and model digest, the rules applied
    model_changes: int
    config_changes: int
    rules: int
    at: float


def pair_key(source: Known, target: Known, rules: str) -> str:
    parts = (source.sha256, source.seen.model, target.sha256, target.seen.model, rules)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class OverviewCache:
    def __init__(self, home: Home) -> None:
        self.root = home.root / "cache" / "overview"

    # -- environments -------------------------------------------------------------------------------

    def known(self, target_key: str) -> Known | None:
        """The environment's record, checked field by field; a wrong one is deleted (None)."""
        path = self._file(target_key, "json")
        data = self._load(path)
        if data is None:
            return None
        try:
            known = _known_from(data)
            if known.target_key != target_key:
                raise ValueError("recorded for another environment")
        except (KeyError, TypeError, ValueError) as exc:
            self._discard(path, f"{exc}")
            return None
        if not self.zip_of(known).is_file():
            self._discard(path, "its zip is gone")
            return None
        return known

    def zip_of(self, known: Known) -> Path:
        return self._file(known.target_key, "zip")

    def keep(self, known: Known, zip_path: Path, *, copy: bool = False) -> Path:
        """Record *known* with its zip (moved into the cache, or copied from the archive); the
        record is written last, so a zip without its record is never taken for it."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        record, dest = self._file(known.target_key, "json"), self.zip_of(known)
        record.unlink(missing_ok=True)
        if copy:
            copy_atomically(zip_path, dest)
        else:
            move_into(zip_path, dest)
        atomic_write_bytes(record, json.dumps(known.as_json()).encode())
        return dest

    def docs(self, known: Known) -> ConfigDocs:
        """The kept zip's documents, once its size and sha256 are the recorded ones; a zip that is
        not is deleted with its record (:class:`CacheDamaged`)."""
        path = self.zip_of(known)
        try:
            if path.stat().st_size != known.size or sha256_file(path) != known.sha256:
                raise InvalidConfigZip("it is not the zip recorded")
            docs = check_config_zip(path, collect=True).docs
            if docs is None:
                raise InvalidConfigZip("it holds no documents")
        except (OSError, InvalidConfigZip) as exc:
            self.forget(known.target_key)
            raise CacheDamaged(f"the kept zip cannot be used ({exc})") from None
        return docs

    def forget(self, target_key: str) -> None:
        for ext in ("json", "zip"):
            self._file(target_key, ext).unlink(missing_ok=True)

    # -- steps ------------------------------------------------------------------------------------

    def compared(self, source_key: str, target_key: str, key: str) -> Compared | None:
        path = self._pair_file(source_key, target_key)
        data = self._load(path)
        if data is None:
            return None
        try:
            found = Compared(
                _typed(data, "key", str),
                _count(data, "model_changes"),
                _count(data, "config_changes"),
                _count(data, "rules"),
                _when(data, "at"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            self._discard(path, f"{exc}")
            return None
        return found if found.key == key else None

    def keep_compared(self, source_key: str, target_key: str, compared: Compared) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = {"format": FORMAT, **asdict(compared)}
        atomic_write_bytes(self._pair_file(source_key, target_key), json.dumps(data).encode())

    # -- housekeeping -------------------------------------------------------------------------------

    def prune(self, target_keys: set[str]) -> None:
        """Delete what belongs to no environment any more (a profile removed or moved)."""
        if not self.root.is_dir():
            return
        wanted = {_name(k) for k in target_keys}
        for path in self.root.iterdir():
            stem = path.name.split(".", 1)[0]
            names = stem.removeprefix("pair-").split("-")
            if not path.name.startswith(".") and not set(names) <= wanted:  # (dot: a write under way)
                with contextlib.suppress(OSError):
                    path.unlink()

    def _file(self, target_key: str, ext: str) -> Path:
        return self.root / f"{_name(target_key)}.{ext}"

    def _pair_file(self, source_key: str, target_key: str) -> Path:
        return self.root / f"pair-{_name(source_key)}-{_name(target_key)}.json"

    def _load(self, path: Path) -> dict[str, Any] | None:
        try:
            text = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._discard(path, exc.strerror or "unreadable")
            return None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            self._discard(path, "not JSON")
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            self._discard(path, "of another format")
            return None
        return data

    @staticmethod
    def _discard(path: Path, why: str) -> None:
        log.warning("overview cache: %s is not trusted (%s): deleted, read again in full", path.name, why)
        with contextlib.suppress(OSError):
            path.unlink()
        if path.suffix == ".json" and not path.name.startswith("pair-"):
            with contextlib.suppress(OSError):
                path.with_suffix(".zip").unlink()


def _name(target_key: str) -> str:
    return hashlib.sha256(target_key.encode()).hexdigest()[:32]


def _known_from(data: dict[str, Any]) -> Known:
    seen = data["seen"]
    if not isinstance(seen, dict):
        raise TypeError("seen is not an object")
    versions = seen["versions"]
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        raise TypeError("versions is not a list of labels")
    how = _typed(data, "how", str)
    if how not in ("read", "written"):
        raise ValueError(f"unknown how {how!r}")
    sha = _typed(data, "sha256", str)
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise ValueError("sha256 is not a digest")
    known = Known(
        _typed(data, "target_key", str),
        how,
        _when(data, "at"),
        _count(data, "run"),
        Seen(
            _typed(seen, "current", str, empty=True),
            tuple(versions),
            _typed(seen, "model", str),
            _count(seen, "mark"),
        ),
        sha,
        _count(data, "size"),
        _typed(data, "fingerprint", str),
        _lines(data.get("mismatch", [])),
    )
    extra = set(data) - {f.name for f in fields(Known)} - {"format"}
    if extra:
        raise ValueError(f"unknown fields {sorted(extra)}")
    return known


def _lines(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("mismatch is not a list of lines")
    return tuple(value)


def _typed(data: dict[str, Any], name: str, kind: type[str], *, empty: bool = False) -> str:
    value = data[name]
    if not isinstance(value, kind) or not (value or empty):
        raise TypeError(f"{name} is not a {kind.__name__}")
    return value


def _count(data: dict[str, Any], name: str) -> int:
    value = data[name]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(f"{name} is not a count")
    return value


def _when(data: dict[str, Any], name: str) -> float:
    value = data[name]
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= time.time() + 86400:
        raise ValueError(f"{name} is not a time")
    return float(value)
