"""The plan of a write other than a promotion: restore, Set, undo, model apply.

Each reads the target (its model and configuration) and what would be written, and says before
anything is written: the model's changes and verdict, the configuration's changes, what the write
does **not** carry, whether the target would be left inconsistent (a configuration describing
objects its model lacks), drift since the promoter's last write, later runs an undo would discard,
and the gates that need consent. The same plan is made read-only for ``--dry-run`` and the
window's preview, and again under the target's lock by the write itself, which refuses when the
target changed since the plan the user confirmed (its stamp).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.archive import Entry
from app.backand import BackandClient, Validation
from app.backand.model import Model, model_digest
from app.configdoc.dataset import ConfigDocs, read_config_zip
from app.configdoc.diff import ConfigDiff, diff_configs, fingerprint
from app.engine import gates
from app.engine.consistency import Mismatch, compare
from app.engine.context import Context
from app.engine.drift import since_baseline
from app.engine.events import CancelToken, Listener, Reporter
from app.engine.gates import Consent, Refusal
from app.engine.modeldiff import Drops, ModelDiff, diff_models
from app.engine.security import ClassifiedOnce
from app.engine.verdict import Verdict, decide
from app.errors import UsageError
from app.kinds import Valid
from app.modelcheck import schema_errors
from app.plural import count
from app.profile import Profile


@dataclass(frozen=True)
class WriteSource:
    """What a write puts into its target: a model, a configuration, or both."""

    label: str  # "archive entry #12", "/tmp/x.zip", "version 3", "run #4", "model file m.json"
    model: Model | None = None  # None: the target's model stays as it is
    entry: Entry | None = None  # an archived configuration zip
    path: Path | None = None  # a configuration zip outside the archive
    version: str | None = None  # a server version (read into the archive by the plan)
    later: tuple[str, ...] = ()  # later runs into the target that an undo would discard
    no_model_reason: str = ""  # why the write carries no model, in words

    @property
    def writes_config(self) -> bool:
        return self.entry is not None or self.path is not None or self.version is not None


@dataclass
class WritePlan(ClassifiedOnce):
    kind: str  # restore, rollback (Set), undo, model
    target: Profile
    source: WriteSource
    current_model: Model
    read: Entry | None = None  # the target's configuration as read (the run's backup under the lock)
    version_entry: Entry | None = None  # a Set: the version, archived
    validation: Validation | None = None
    local_errors: list[str] = field(default_factory=list)
    model_diff: ModelDiff = field(default_factory=ModelDiff)
    config_diff: ConfigDiff | None = None
    mismatch: Mismatch = field(default_factory=Mismatch)
    not_carried: list[str] = field(default_factory=list)
    drifted: bool = False
    drift_since: int | None = None
    drift: ConfigDiff | None = None
    target_fingerprint: str = ""
    written_fingerprint: str = ""

    @property
    def writes_model(self) -> bool:
        return self.source.model is not None and not self.model_diff.empty

    @property
    def valid(self) -> Valid:
        if self.local_errors:
            return Valid.NEVER
        return self.validation.valid if self.validation is not None else Valid.ALWAYS

    @property
    def warnings(self) -> list[str]:
        return (self.validation.warning_lines() if self.validation else []) + self.local_errors

    @property
    def drops(self) -> Drops:
        """The tables and columns this write's model change drops (``modeldiff.Drops``)."""
        return Drops.of(self.validation, self.model_diff)

    @property
    def nothing_to_write(self) -> bool:
        if self.source.version is not None:  # a Set makes the version current, whatever it holds
            return False
        config_same = self.config_diff is None or self.config_diff.empty
        return not self.writes_model and config_same

    @property
    def stamp(self) -> str:
        """The target's model and configuration and what would be written, in short hashes: a write
        made from a confirmed plan refuses when any of them changed since."""
        written = model_digest(self.source.model)[:12] if self.source.model is not None else "-"
        return "-".join(
            [
                model_digest(self.current_model)[:12],
                self.target_fingerprint[:12],
                written,
                self.written_fingerprint[:12] or "-",
            ]
        )

    def refusals(self, consent: Consent, expect_stamp: str | None = None) -> list[Refusal]:
        """Every gate of this write with *consent*, in the order a user should read them."""
        out: list[Refusal] = []
        if expect_stamp is not None and expect_stamp != self.stamp:
            out.append(
                Refusal(
                    gates.Gate.STALE_PLAN,
                    f"the plan you confirmed is stale: {self.target.name} or what would be written "
                    "changed since; plan again",
                )
            )
        if self.source.model is not None and not self.model_diff.empty:
            out += gates.model_change(self.target, self.valid, self.warnings, self.drops.lines(), consent)
        if self.nothing_to_write:
            return out
        out += gates.protected(self.target, consent)
        count_ = self.drift.count() if self.drift is not None else None
        if self.source.writes_config:  # a model apply leaves the configuration's changes where they are
            out += gates.drift(self.target, self.drifted, self.drift_since, count_, consent)
        out += gates.later_writes(self.target, self.source.label, self.source.later, consent)
        out += gates.security(self.target, self.security.weakening, consent, what="write")
        out += gates.model_mismatch(self.target, self.mismatch.lines(f"{self.target.name}'s"), consent)
        return out

    def verdict(self) -> Verdict:
        """The plan in one word and its reasons (``verdict.py``): what the banner says."""
        nothing = None
        if self.nothing_to_write:
            nothing = f"nothing to change: {self.target.name} already holds {self.source.label}"
        return decide(self.refusals(Consent()), [], nothing)

    def lines(self) -> list[str]:
        """The plan for a person, one line each (the command line prints these)."""
        out = [f"Plan: {self.kind} {self.source.label} -> {self.target.name}"]
        if self.source.model is not None:
            out.append(f"  validation: {self.valid}")
            out += [f"    warning: {w}" for w in self.warnings]
            out.append(f"  model: {count(self.model_diff.count(), 'change')}")
            out += [f"    {line}" for line in self.model_diff.lines()]
        if self.config_diff is not None:
            out.append(f"  configuration: {count(self.config_diff.count(), 'change')}")
            out += [f"    {line}" for line in self.config_diff.lines()]
        report = self.security
        if not report.empty:
            out.append(f"  security: {report.headline()}")
            out += [f"    {line}" for line in report.lines()]
        for line in self.not_carried:
            out.append(f"  not carried: {line}")
        for line in self.mismatch.lines(f"{self.target.name}'s"):
            out.append(f"  INCONSISTENT after this write: {line}")
        if self.drifted:
            what = count(self.drift.count(), "change") if self.drift is not None else "details unavailable"
            since = f"since run #{self.drift_since} ({what})"
            out.append(f"  DRIFT: {self.target.name} changed outside the promoter {since}")
            out += [f"    {line}" for line in (self.drift.lines() if self.drift else [])]
        if self.source.later:
            out.append(f"  later runs this undo discards: {', '.join(self.source.later)}")
        if self.nothing_to_write:
            out.append(f"  nothing to change: {self.target.name} already holds this")
        if self.read is not None:
            out.append(f"  archive: target #{self.read.id}")
        return out

    def as_json(self) -> dict[str, Any]:
        """The shape of ``plan --json`` (the keys a promotion's plan has, where they apply)."""
        diff = self.config_diff
        return {
            "kind": self.kind,
            "source": self.source.label,
            "target": self.target.name,
            "valid": self.valid,
            "warnings": self.warnings,
            **self.drops.as_json(),
            "writes_model": self.source.model is not None,
            "writes_config": self.source.writes_config,
            "model_changes": self.model_diff.count(),
            "model_diff": self.model_diff.lines(),
            "model_details": self.model_diff.as_json(),
            "config_changes": diff.count() if diff else 0,
            "config_summary": diff.summary() if diff else {},
            "config_diff": diff.lines() if diff else [],
            "config_details": diff.as_json() if diff else [],
            "security": self.security.as_json(),
            "security_lines": self.security.lines(),
            "not_carried": self.not_carried,
            "mismatch": self.mismatch.lines(f"{self.target.name}'s"),
            "mismatch_details": self.mismatch.as_json(),
            "drift": self.drift.lines() if self.drift else [],
            "drifted": self.drifted,
            "drift_since": self.drift_since,
            "later_writes": list(self.source.later),
            "nothing_to_write": self.nothing_to_write,
            "lines": self.lines(),
            "stamp": self.stamp,
            "verdict": self.verdict().as_json(),
            "gates": [r.as_json() for r in self.refusals(Consent())],  # met without consent
            "backup_id": self.read.id if self.read else None,
            "version_entry_id": self.version_entry.id if self.version_entry else None,
        }


def make_write_plan(
    ctx: Context,
    client: BackandClient,
    target: Profile,
    kind: str,
    source: WriteSource,
    reporter: Reporter,
    *,
    read_kind: str = "plan",
    for_write: bool = False,
) -> WritePlan:
    """Read the target and *source* and compare them; writes nothing to the target. The target's
    configuration is archived as *read_kind* (``plan`` for a preview; a write adopts it as its
    backup). A server version read for a preview is a prunable ``plan`` entry; *for_write* (the
    Set itself) keeps it as a ``version``, which the verify compares with and retention keeps."""
    with reporter.step("Read target model"):
        current = client.get_model()
    plan = WritePlan(kind, target, source, current)
    if source.model is not None:
        _plan_model(plan, client, source.model, reporter)
        if plan.valid == Valid.NEVER:  # refused whatever else is found: nothing more is read
            return plan
    with reporter.step("Read target configuration"):
        plan.read = ctx.download(
            client,
            target,
            read_kind,
            reporter,
            "Read target configuration",
            model=current,
            note=f"{kind} {source.label} -> {target.name}: target",
        )
    target_docs = ctx.docs(plan.read)
    plan.target_fingerprint = fingerprint(target_docs)
    written: ConfigDocs | None = None
    if source.writes_config:
        with reporter.step("Read what is written"):
            written = _written_docs(ctx, client, plan, reporter, "version" if for_write else "plan")
            plan.written_fingerprint = fingerprint(written)
            plan.config_diff = diff_configs(target_docs, written)
            reporter.log(f"configuration: {count(plan.config_diff.count(), 'change')}")
        after_model = source.model if source.model is not None else current
        plan.mismatch = compare(written, after_model)
        for line in plan.mismatch.lines(f"{target.name}'s"):
            reporter.log(f"inconsistent after this write: {line}", "warning")
        if source.model is None:
            plan.not_carried.append(
                (source.no_model_reason or f"{source.label} carries no model")
                + f": {target.name}'s model stays as it is"
            )
    else:
        plan.not_carried.append(
            f"the model only: {target.name}'s configuration (settings, actions, security) stays as it "
            "is; the server adds or removes the rows of the objects that change"
        )
    _check_drift(ctx, plan, reporter)
    plan.security  # classified here, on the job's thread, not where the plan is shown  # noqa: B018
    return plan


def _plan_model(plan: WritePlan, client: BackandClient, model: Model, reporter: Reporter) -> None:
    with reporter.step("Validate model on target"):
        plan.model_diff = diff_models(plan.current_model, model)
        if plan.model_diff.empty:
            reporter.log("model: unchanged")
            return
        plan.local_errors = schema_errors(model)
        plan.validation = client.validate_fully(model, plan.current_model)
        reporter.log(f"model: {plan.valid}; {count(plan.model_diff.count(), 'change')}")


def _written_docs(
    ctx: Context, client: BackandClient, plan: WritePlan, reporter: Reporter, version_kind: str
) -> ConfigDocs:
    source = plan.source
    if source.version is not None:
        listed = client.list_versions()
        if source.version not in listed.newest_first and source.version != listed.current:
            kept = ", ".join(listed.newest_first) or "none"
            raise UsageError(
                f"{plan.target.name} has no version {source.version} (the server keeps: {kept}); "
                "an older one may be in the archive: `promoter archive list`, then `promoter restore`."
            )
        plan.version_entry = ctx.download(
            client,
            plan.target,
            version_kind,
            reporter,
            "Read what is written",
            version=source.version,
            note=f"version {source.version} of {plan.target.name}, read for a plan",
        )
        return ctx.docs(plan.version_entry)
    if source.entry is not None:
        ctx.archive.path_for_upload(source.entry)  # its bytes are the ones archived, or a clear error
        return ctx.docs(source.entry)
    assert source.path is not None
    return read_config_zip(source.path)


def _check_drift(ctx: Context, plan: WritePlan, reporter: Reporter) -> None:
    """The target against what the promoter last left it holding: a write over changes made
    outside the promoter (by a person, or another home) discards them."""
    found = since_baseline(ctx, plan.target.target_key, plan.target_fingerprint, plan.read)
    if found is None or not found.comparable:
        return
    plan.drifted, plan.drift_since, plan.drift = True, found.since, found.diff
    if found.unavailable:
        reporter.log(f"drift details unavailable: {found.unavailable}", "warning")
    what = found.count_text()
    reporter.log(f"drift: {plan.target.name} changed since run #{found.since}: {what}", "warning")


def preview(
    ctx: Context,
    target: Profile,
    kind: str,
    source: WriteSource,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
) -> WritePlan:
    """The plan, read-only: no lock, no history run; the target's read is a prunable ``plan`` entry."""
    reporter = Reporter(listener, cancel)
    target = ctx.guarded(target)  # as the write will treat it
    with reporter.step("Connect"):
        client = ctx.client(target)
    with client:
        return make_write_plan(ctx, client, target, kind, source, reporter)
