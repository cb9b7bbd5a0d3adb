"""The pipeline overview: what is where, read-only.

For each environment in stage order: is it reachable, which configuration version it serves, when
and from where the promoter last wrote it, whether it drifted since. Between neighbours: equal, or
how many model and configuration changes a promotion would make (the target's rules applied, as a
plan would). Nothing is written to a server and nothing is archived.

A read costs what changed, not how often someone looks (``overview_cache``): each environment's
label, version list and model are read (small answers) and checked against what the last full read
learned; only an environment that may have changed is downloaded again, and only the steps that
involve it are compared again. The label cannot prove the configuration unchanged (an upload keeps
whatever ``ConfigVersion`` the uploaded document holds), so each environment and step says how fresh
it is ("compared at 10:42"; "not re-read since 10:42"), and ``full`` reads everything again.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app import logs
from app.backand.client import BackandClient
from app.backand.model import Model, model_digest
from app.configdoc.dataset import ConfigDocs, read_config_zip
from app.configdoc.diff import comparable, diff_configs, fingerprint
from app.configdoc.zipcheck import check_config_zip
from app.engine.consistency import compare
from app.engine.context import Context
from app.engine.events import CancelToken, Listener, Reporter
from app.engine.modeldiff import diff_models
from app.engine.reads.overview_cache import CacheDamaged, Compared, Known, OverviewCache, Seen, pair_key
from app.engine.reads.restorability import Restorability, last_drift_check, restorability
from app.engine.result import describe
from app.engine.shaping import shape_model, spec_for, write_sent
from app.errors import PromoterError
from app.fsutil import sha256_file
from app.kinds import WriteKind
from app.profile import Profile

log = logs.engine
WRITES = tuple(WriteKind)


@dataclass
class Station:
    """One environment as the overview sees it."""

    name: str
    app: str
    stage: int
    colour: str
    protected: bool
    reachable: bool = False
    error: str = ""
    version: str = ""
    drifted: bool | None = None  # None: the promoter never wrote it (no baseline)
    last_write: dict[str, Any] | None = None  # kind, source, when, status, run id
    known: Known | None = field(default=None, repr=False)  # what its content is known as, and since when
    fresh: str = ""  # "read" (downloaded now), "unchanged" (by label and model), "written" (by the promoter)
    checked_at: float | None = None  # when its label and model were read
    model: Model | None = field(default=None, repr=False)
    zip_path: Path | None = field(default=None, repr=False)
    docs: ConfigDocs | None = field(default=None, repr=False)
    restorability: Restorability | None = None  # read from the home: backups and restore drills
    drift_check: dict[str, Any] | None = None  # what the scheduled job's last drift check saw
    releases: list[str] = field(default_factory=list)  # the releases it holds (``releases_held``)

    @property
    def mismatch(self) -> list[str]:
        """What its configuration and its model disagree on, as of its known content."""
        return list(self.known.mismatch) if self.known is not None else []

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "app": self.app,
            "stage": self.stage,
            "colour": self.colour,
            "protected": self.protected,
            "reachable": self.reachable,
            "error": self.error,
            "version": self.version,
            "drifted": self.drifted,
            # drift is judged on the content as last read (a cheap read re-reads no configuration)
            "drifted_as_of": self.known.at if self.known is not None else None,
            "mismatch": self.mismatch,
            "last_write": self.last_write,
            "releases": self.releases,
            "freshness": self.freshness_json(),
            "restorability": self.restorability.as_json() if self.restorability else None,
            "drift_check": self.drift_check,
        }

    def freshness_json(self) -> dict[str, Any] | None:
        if self.known is None:
            return None
        return {
            "state": self.fresh,
            "read_at": self.known.at,
            "run": self.known.run or None,
            "checked_at": self.checked_at,
            "text": station_freshness(self),
        }


@dataclass
class Step:
    """Between two neighbours: what promoting the first into the second would change."""

    source: str
    target: str
    known: bool = False
    model_changes: int = 0
    config_changes: int = 0
    rules: int = 0  # the target's rules, applied to the comparison
    error: str = ""
    compared_at: float | None = None  # when the counts were computed
    not_reread: list[tuple[str, float]] = field(default_factory=list)  # sides known from before, since

    @property
    def fresh(self) -> bool:
        """Both sides were downloaded by this read (the counts hold as of now, not as of before)."""
        return self.known and not self.not_reread

    @property
    def equal(self) -> bool:
        return self.known and not (self.model_changes or self.config_changes)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "known": self.known,
            "equal": self.equal,
            "model_changes": self.model_changes,
            "config_changes": self.config_changes,
            "rules": self.rules,
            "error": self.error,
            "fresh": self.fresh,
            "compared_at": self.compared_at,
            "not_reread": [{"name": n, "since": t} for n, t in self.not_reread],
            "freshness": step_freshness(self) if self.known else "",
        }


@dataclass
class Overview:
    stations: list[Station]
    steps: list[Step]
    full: bool = False  # every environment was downloaded and every step compared again

    def as_json(self) -> dict[str, Any]:
        return {
            "full": self.full,
            "environments": [s.as_json() for s in self.stations],
            "steps": [s.as_json() for s in self.steps],
        }


def read_overview(
    ctx: Context,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
    *,
    full: bool = False,
) -> Overview:
    """Read the pipeline; *full* downloads every environment and compares every step again."""
    reporter = Reporter(listener, cancel)
    profiles = sorted(ctx.profiles.load(), key=lambda p: (p.stage, p.name))
    cache = OverviewCache(ctx.home)
    stations: list[Station] = []
    steps: list[Step] = []
    with tempfile.TemporaryDirectory(dir=ctx.home.tmp_dir) as folder:
        # one environment after another, compared with the one before it; then the earlier one's
        # documents are let go: at most two configurations are held, however many stages
        for profile in profiles:
            reporter.cancel.check()
            station = _station(ctx, profile, Path(folder), reporter, cache, full)
            if stations:
                before = stations[-1]
                steps.append(_step(ctx, before, station, Path(folder), reporter, cache, full))
                _forget(before)
            stations.append(station)
        if stations:
            _forget(stations[-1])
    cache.prune({p.target_key for p in profiles})
    return Overview(stations, steps, full)


def _forget(station: Station) -> None:
    """Drop what was read only to compare (the parsed documents, the model); the zip stays in the
    cache for the next read."""
    station.model, station.docs, station.zip_path = None, None, None


def _station(
    ctx: Context, profile: Profile, folder: Path, reporter: Reporter, cache: OverviewCache, full: bool
) -> Station:
    station = Station(profile.name, profile.app, profile.stage, profile.colour, profile.protected)
    station.last_write = _last_write(ctx, profile)
    _home_facts(ctx, profile, station)
    try:
        with ctx.client(profile) as client:
            seen = _seen(ctx, client, profile, station)
            known = None if full else _still_known(ctx, profile, cache, seen, reporter)
            if known is None:
                known = _read(client, profile, station, seen, folder, reporter, cache)
        _settle(ctx, profile, station, known)
    except (PromoterError, OSError) as exc:
        station.error = describe(exc)
    except Exception as exc:  # one environment's surprise is its own report, not the overview's end
        log.exception("reading %s for the overview failed", profile.name)
        _forget(station)
        station.reachable, station.error = False, describe(exc)
    reporter.log(
        f"{profile.name}: "
        + (
            f"version {station.version} ({station_freshness(station)})"
            if station.reachable
            else station.error
        )
    )
    return station


def _home_facts(ctx: Context, profile: Profile, station: Station) -> None:
    """Restorability and the last drift check, read from the home (even when it is unreachable)."""
    try:
        station.restorability = restorability(ctx, profile)
        station.drift_check = last_drift_check(ctx, profile)
    except Exception:  # said in the log; the overview of the server stands
        log.exception("reading the restorability of %s failed", profile.name)


def _seen(ctx: Context, client: BackandClient, profile: Profile, station: Station) -> Seen:
    """The cheap read: the history mark first, then the model and the labels, all before any
    download (a change in between makes the record older than the content, never newer)."""
    mark = ctx.history.write_mark(profile.target_key, profile.name)
    station.checked_at = time.time()
    station.model = client.get_model()
    versions = client.list_versions()
    station.version = versions.current or ""
    return Seen(station.version, tuple(versions.versions), model_digest(station.model), mark)


def _read(
    client: BackandClient,
    profile: Profile,
    station: Station,
    seen: Seen,
    folder: Path,
    reporter: Reporter,
    cache: OverviewCache,
) -> Known:
    """Download the configuration, check and parse it, and keep what was learned (and the zip)."""
    path = folder / f"{profile.name}.zip"
    at = time.time()
    got = client.download_config(path, cancel=reporter.cancel.is_set)
    docs = check_config_zip(path, collect=True).docs  # every guard of an archived zip
    assert docs is not None
    assert station.model is not None
    mismatch = tuple(compare(docs, station.model).lines(f"{profile.name}'s"))
    known = Known(profile.target_key, "read", at, 0, seen, got.sha256, got.size, fingerprint(docs), mismatch)
    station.docs, station.zip_path = docs, path
    try:
        station.zip_path = cache.keep(known, path)
    except OSError as exc:  # a full disk costs the next read a download, not this one its answer
        reporter.log(f"{profile.name}: not kept for the next read ({exc.strerror})")
    station.fresh = "read"
    return known


def _still_known(
    ctx: Context, profile: Profile, cache: OverviewCache, seen: Seen, reporter: Reporter
) -> Known | None:
    """What the cache knows of the environment, if nothing seen says it may have changed: the same
    label, version list and model, and no write by the promoter since. Else what the promoter's own
    verified write left there, if that is sound; else None (a full read)."""
    known = cache.known(profile.target_key)
    if known is not None and not ctx.history.writes_after(known.seen.mark, profile.target_key, profile.name):
        if (known.seen.current, known.seen.versions, known.seen.model) == (
            seen.current,
            seen.versions,
            seen.model,
        ):
            return known
        reporter.log(f"{profile.name}: its label, versions or model changed: read again")
        return None
    return _written(ctx, profile, cache, seen, reporter)


def _written(
    ctx: Context, profile: Profile, cache: OverviewCache, seen: Seen, reporter: Reporter
) -> Known | None:
    """The promoter wrote the environment: its run verified what the target holds and archived that
    download. Taken as known only when that run (it succeeded: it set the drift baseline) is the
    promoter's last write into it, and the label and model served now are that zip's."""
    base = ctx.history.baseline(profile.target_key)
    if base is None or base.entry_id is None or not comparable(base.fingerprint):
        return None
    if ctx.history.writes_after(base.run_id, profile.target_key, profile.name):
        return None
    try:
        entry = ctx.archive.get(base.entry_id)
        path = ctx.archive.path_of(entry)
        if entry.version != seen.current or entry.model is None or model_digest(entry.model) != seen.model:
            return None
        if not path.is_file() or sha256_file(path) != entry.sha256:
            return None
        run = ctx.history.get(base.run_id)
        at = (run.finished_at or run.started_at) if run is not None else entry.created_at
        # the write's plan said what its target would hold: a configuration-only write may have
        # left it inconsistent (a promotion writes both from one source: consistent)
        plan = run.plan if run is not None else {}
        lines = plan.get("mismatch") or []
        mismatch = tuple(str(line) for line in lines) if isinstance(lines, list) else ()
        known = Known(
            profile.target_key,
            "written",
            at,
            base.run_id,
            seen,
            entry.sha256,
            entry.size,
            base.fingerprint,
            mismatch,
        )
        cache.keep(known, path, copy=True)
    except (PromoterError, OSError):
        return None
    reporter.log(f"{profile.name}: known from run #{base.run_id}, which verified what it wrote")
    return known


def _settle(ctx: Context, profile: Profile, station: Station, known: Known) -> None:
    station.known = known
    station.fresh = station.fresh or ("written" if known.how == "written" else "unchanged")
    station.reachable = True
    base = ctx.history.baseline(profile.target_key)
    if base is not None and comparable(base.fingerprint):
        station.drifted = base.fingerprint != known.fingerprint
    station.releases = releases_held(ctx, profile, known)


def releases_held(ctx: Context, profile: Profile, known: Known) -> list[str]:
    """The releases *profile* holds now: one whose configuration (fingerprint) and model it serves
    (the environment it was taken from, untouched since), or the one the promoter's last write into
    it sent and verified, with no drift since (the target's rules may have reshaped what was sent)."""
    from app.archive.releases import releases

    found = releases(ctx.archive)
    if not found:
        return []
    sent = None
    base = ctx.history.baseline(profile.target_key)
    if base is not None and base.fingerprint == known.fingerprint:
        run = ctx.history.get(base.run_id)
        sent = run.archive_ids.get("release") if run is not None else None
    return [
        r.name
        for r in found
        if (r.fingerprint == known.fingerprint and r.model_digest == known.seen.model) or r.entry_id == sent
    ]


def _docs(
    ctx: Context, station: Station, folder: Path, reporter: Reporter, cache: OverviewCache
) -> ConfigDocs:
    """The station's documents: parsed now, or from the kept zip; a kept zip that is not the one
    recorded is read again from the server (never trusted)."""
    if station.docs is not None:
        return station.docs
    assert station.known is not None
    try:
        station.docs = cache.docs(station.known)
        station.zip_path = cache.zip_of(station.known)
    except CacheDamaged as exc:
        reporter.log(f"{station.name}: {exc}: read again")
        profile = ctx.profiles.get(station.name)
        with ctx.client(profile) as client:
            seen = _seen(ctx, client, profile, station)
            station.fresh = ""
            known = _read(client, profile, station, seen, folder, reporter, cache)
        _settle(ctx, profile, station, known)
    assert station.docs is not None
    return station.docs


def _last_write(ctx: Context, profile: Profile) -> dict[str, Any] | None:
    run = ctx.history.last_write(tuple(WRITES), profile.name)
    if run is None:
        return None
    return {"run": run.id, "kind": run.kind, "source": run.source, "when": run.finished_at or run.started_at}


def _step(
    ctx: Context,
    source: Station,
    target: Station,
    folder: Path,
    reporter: Reporter,
    cache: OverviewCache,
    full: bool,
) -> Step:
    step = Step(source.name, target.name)
    if not (source.reachable and target.reachable):
        step.error = "not reachable"
        return step
    try:
        profile = ctx.profiles.get(target.name)
        spec = spec_for(profile, (), False)
        step.rules = len(spec.rules)
        rules = json.dumps([r.as_json() for r in spec.rules], sort_keys=True)
        assert source.known is not None and target.known is not None
        key = pair_key(source.known, target.known, rules)
        done = None if full else cache.compared(source.known.target_key, target.known.target_key, key)
        if done is None:
            done = _compare(ctx, source, target, folder, reporter, cache, spec, key)
            with contextlib.suppress(OSError):  # not kept: compared again next time
                cache.keep_compared(source.known.target_key, target.known.target_key, done)
        step.model_changes, step.config_changes, step.compared_at = (
            done.model_changes,
            done.config_changes,
            done.at,
        )
        step.not_reread = [(s.name, s.known.at) for s in (source, target) if s.fresh != "read" and s.known]
        step.known = True
    except (PromoterError, OSError) as exc:  # a kept zip found damaged is downloaded again: that can fail
        step.error = describe(exc)
    except Exception as exc:  # a comparison that fails is that step's report, not the overview's end
        log.exception("comparing %s with %s for the overview failed", source.name, target.name)
        step.error = describe(exc)
    reporter.log(
        f"{source.name} → {target.name}: "
        + (
            step.error
            or (
                (
                    "equal"
                    if step.equal
                    else f"{step.model_changes} model, {step.config_changes} configuration changes"
                )
                + f" ({step_freshness(step)})"
            )
        )
    )
    return step


def _compare(
    ctx: Context,
    source: Station,
    target: Station,
    folder: Path,
    reporter: Reporter,
    cache: OverviewCache,
    spec: Any,
    key: str,
) -> Compared:
    """What promoting *source* into *target* would change, their documents read (or kept ones)."""
    source_docs = _docs(ctx, source, folder, reporter, cache)
    target_docs = _docs(ctx, target, folder, reporter, cache)
    assert source.model is not None and target.model is not None
    assert source.zip_path is not None and target.zip_path is not None
    shaped = shape_model(spec, source.model, target.model)
    sent_model = shaped.model.model if shaped.model is not None else source.model
    model_diff = diff_models(target.model, sent_model)
    sent_docs = source_docs
    if spec.active:
        dest = folder / f"{source.name}-{target.name}.zip"
        if write_sent(
            shaped,
            (source.zip_path, source_docs),
            (target.zip_path, target_docs),
            model_diff,
            dest,
            reporter.cancel,
        ):
            sent_docs = read_config_zip(dest)
            dest.unlink()
    return Compared(
        key, model_diff.count(), diff_configs(target_docs, sent_docs).count(), len(spec.rules), time.time()
    )


# -- how fresh: said the same way by the command line and the window ---------------------------------


def clock(at: float) -> str:
    """10:42 today, else the date too."""
    same_day = time.localtime(at)[:3] == time.localtime()[:3]
    return time.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M", time.localtime(at))


def station_freshness(station: Station) -> str:
    known = station.known
    if known is None:
        return ""
    if station.fresh == "read":
        return f"read at {clock(known.at)}"
    if station.fresh == "written":
        return (
            f"as run #{known.run} verified it at {clock(known.at)}; "
            "label and model unchanged since, not re-read"
        )
    return f"unchanged by label and model since {clock(known.at)}, not re-read"


def step_freshness(step: Step) -> str:
    if step.compared_at is None:
        return ""
    text = f"compared at {clock(step.compared_at)}"
    for name, since in step.not_reread:
        text += f"; {name} not re-read since {clock(since)}"
    return text
