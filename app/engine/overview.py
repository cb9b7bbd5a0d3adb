"""The pipeline overview: what is where, read-only.

For each environment in stage order: is it reachable, which configuration version it serves, when
and from where the promoter last wrote it, whether it drifted since. Between neighbours: equal, or
how many model and configuration changes a promotion would make (the target's rules applied, as a
plan would). Nothing is written and nothing is archived: the live configurations are read into a
temporary folder that is deleted afterwards.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app import logs
from app.configdoc.dataset import ConfigDocs, read_config_zip
from app.configdoc.diff import comparable, diff_configs, fingerprint
from app.configdoc.zipcheck import check_config_zip
from app.engine.context import Context
from app.engine.events import CancelToken, Listener, Reporter
from app.engine.modeldiff import diff_models
from app.engine.result import describe
from app.engine.shaping import shape_model, spec_for, write_sent
from app.errors import PromoterError
from app.profiles import Profile

Model = list[dict[str, Any]]
log = logs.engine
WRITES = ("promote", "set", "restore", "model", "undo")


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
    model: Model | None = field(default=None, repr=False)
    zip_path: Path | None = field(default=None, repr=False)
    docs: ConfigDocs | None = field(default=None, repr=False)

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
            "last_write": self.last_write,
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
        }


@dataclass
class Overview:
    stations: list[Station]
    steps: list[Step]

    def as_json(self) -> dict[str, Any]:
        return {
            "environments": [s.as_json() for s in self.stations],
            "steps": [s.as_json() for s in self.steps],
        }


def read_overview(
    ctx: Context, listener: Listener | None = None, cancel: CancelToken | None = None
) -> Overview:
    reporter = Reporter(listener, cancel)
    profiles = sorted(ctx.profiles.load(), key=lambda p: (p.stage, p.name))
    stations: list[Station] = []
    steps: list[Step] = []
    with tempfile.TemporaryDirectory(dir=ctx.home.tmp_dir) as folder:
        # one environment after another, compared with the one before it; then the earlier one's
        # documents and zip are let go: at most two configurations are held, however many stages
        for profile in profiles:
            reporter.cancel.check()
            station = _station(ctx, profile, Path(folder), reporter)
            if stations:
                before = stations[-1]
                steps.append(_step(ctx, before, station, Path(folder), reporter))
                _forget(before)
            stations.append(station)
        if stations:
            _forget(stations[-1])
    return Overview(stations, steps)


def _forget(station: Station) -> None:
    """Drop what was read only to compare (the parsed documents, the model, the temporary zip)."""
    if station.zip_path is not None:
        station.zip_path.unlink(missing_ok=True)
    station.model, station.docs, station.zip_path = None, None, None


def _station(ctx: Context, profile: Profile, folder: Path, reporter: Reporter) -> Station:
    station = Station(profile.name, profile.app, profile.stage, profile.colour, profile.protected)
    station.last_write = _last_write(ctx, profile)
    try:
        with ctx.client(profile) as client:
            station.model = client.get_model()
            station.version = client.list_versions().current or ""
            path = folder / f"{profile.name}.zip"
            client.download_config(path, cancel=reporter.cancel.is_set)
        docs = check_config_zip(path, collect=True).docs  # every guard of an archived zip
        assert docs is not None
        station.zip_path, station.docs = path, docs
        station.reachable = True
        base = ctx.history.baseline(profile.target_key)
        if base is not None and comparable(base.fingerprint):
            station.drifted = base.fingerprint != fingerprint(docs)
    except (PromoterError, OSError) as exc:
        station.error = describe(exc)
    except Exception as exc:  # one environment's surprise is its own report, not the overview's end
        log.exception("reading %s for the overview failed", profile.name)
        _forget(station)
        station.reachable, station.error = False, describe(exc)
    reporter.log(f"{profile.name}: {'version ' + station.version if station.reachable else station.error}")
    return station


def _last_write(ctx: Context, profile: Profile) -> dict[str, Any] | None:
    runs = [
        run
        for kind in WRITES
        if (run := ctx.history.last_of(kind, profile.name)) is not None and run.status == "succeeded"
    ]
    if not runs:
        return None
    run = max(runs, key=lambda r: r.id)
    return {"run": run.id, "kind": run.kind, "source": run.source, "when": run.finished_at or run.started_at}


def _step(ctx: Context, source: Station, target: Station, folder: Path, reporter: Reporter) -> Step:
    step = Step(source.name, target.name)
    if not (source.reachable and target.reachable):
        step.error = "not reachable"
        return step
    assert source.model is not None and target.model is not None
    assert source.docs is not None and target.docs is not None
    assert source.zip_path is not None and target.zip_path is not None
    try:
        profile = ctx.profiles.get(target.name)
        spec = spec_for(profile, (), False)
        step.rules = len(spec.rules)
        shaped = shape_model(spec, source.model, target.model)
        sent_model = shaped.model.model if shaped.model is not None else source.model
        model_diff = diff_models(target.model, sent_model)
        sent_docs = source.docs
        if spec.active:
            dest = folder / f"{source.name}-{target.name}.zip"
            if write_sent(
                shaped, (source.zip_path, source.docs), (target.zip_path, target.docs), model_diff, dest
            ):
                sent_docs = read_config_zip(dest)
                dest.unlink()
        step.model_changes = model_diff.count()
        step.config_changes = diff_configs(target.docs, sent_docs).count()
        step.known = True
    except PromoterError as exc:
        step.error = exc.message
    except Exception as exc:  # a comparison that fails is that step's report, not the overview's end
        log.exception("comparing %s with %s for the overview failed", source.name, target.name)
        step.error = describe(exc)
    reporter.log(
        f"{source.name} → {target.name}: "
        + (
            step.error
            or (
                "equal"
                if step.equal
                else f"{step.model_changes} model, {step.config_changes} configuration changes"
            )
        )
    )
    return step
