"""The read-only preflight: models, validation, diffs, backups into the archive, drift; and the gates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.archive import Entry
from app.backand import BackandClient, Validation
from app.backand.model import Model, model_digest
from app.configdoc.dataset import ConfigDocs
from app.configdoc.diff import ConfigDiff
from app.engine import gates
from app.engine.alongside import Alongside
from app.engine.context import Context
from app.engine.drift import since_baseline
from app.engine.events import Reporter
from app.engine.gates import Consent, Refusal
from app.engine.modeldiff import Drops, ModelDiff, diff_models
from app.engine.reads.headstart import HeadStart, Seen, read_seen
from app.engine.reads.planrecord import SourceRead
from app.engine.security import ClassifiedOnce
from app.engine.shaping import Shaped, ShapeSpec, build_sent, shape_model, spec_for
from app.engine.verdict import Verdict, decide
from app.errors import UsageError
from app.plural import count
from app.profile import Profile


@dataclass(frozen=True)
class PromoteOptions:
    yes: bool = False  # also accepts drift, as the command line's --yes does
    confirm: str | None = None
    dry_run: bool = False
    allow_data_loss: bool = False
    allow_skip_stage: bool = False
    skip_model: bool = False
    skip_config: bool = False
    expect_stamp: str | None = None  # the stamp of the plan the user confirmed (stale-plan gate)
    exclude: tuple[str, ...] = ()  # selectors of changes this promotion leaves out
    no_rules: bool = False  # ignore the target's rules (said in the plan and the confirmation)
    accept_security: str | None = None  # the reason in words for widening access (security gate)
    accept_unverified_source: bool = False  # the source changed since its last verified promotion
    allow_other_app: bool = False  # a release taken from none of this home's environments

    @property
    def consent(self) -> Consent:
        return Consent(
            self.confirm,
            self.allow_data_loss,
            self.allow_skip_stage,
            accept_drift=self.yes,
            security_reason=self.accept_security,
            accept_unverified_source=self.accept_unverified_source,
            allow_other_app=self.allow_other_app,
        )


@dataclass(frozen=True)
class ArchivedSource:
    """A promotion's source taken from the archive instead of read live: a release's entry (its
    zip, checked against its sha256 before it is read) and the model recorded with it."""

    entry: Entry
    model: Model
    label: str  # "release 1.4", as the plan, the result and history name the source
    release: str | None = None
    foreign: str = ""  # why it belongs to none of this home's environments (a gate), or ''
    unverified: str = ""  # why the release is not a verified state of its environment (a gate), or ''
    expected: tuple[str, str] | None = None  # the fingerprint and model digest recorded when taken


@dataclass
class Plan(ClassifiedOnce):
    source: Profile
    target: Profile
    source_model: Model
    target_model: Model
    validation: Validation
    model_diff: ModelDiff
    export: Entry | None = None
    backup: Entry | None = None
    config_diff: ConfigDiff | None = None
    drift: ConfigDiff | None = None
    drift_since: int | None = None
    target_fingerprint: str | None = None
    source_fingerprint: str | None = None
    sent_fingerprint: str | None = None
    drifted: bool = False  # the target changed since the promoter last wrote it
    notes: list[str] = field(default_factory=list)
    shaped: Shaped = field(default_factory=lambda: Shaped(ShapeSpec()))
    sent: Entry | None = None  # what is uploaded: the export, or its rewrite by rules and exclusions
    archived: ArchivedSource | None = None  # the source is this archived entry, not a live read
    source_drifted: bool = False  # the source changed since the promoter last verified a write into it
    source_drift_since: int | None = None
    source_drift: ConfigDiff | None = None
    source_seen: Seen | None = None  # the source's state read before its download (planrecord.py)
    source_reused: bool = False  # the source's read is the confirmed plan's, not downloaded again

    @property
    def sent_model(self) -> Model:
        """The model to apply: the source's, shaped by rules and exclusions."""
        return self.shaped.model.model if self.shaped.model is not None else self.source_model

    @property
    def drops(self) -> Drops:
        """The tables and columns this promotion's model change drops (``modeldiff.Drops``)."""
        return Drops.of(self.validation, self.model_diff)

    def verdict(self) -> Verdict:
        """The plan in one word and its reasons (``verdict.py``): what the banner says."""
        cautions = []
        diff = self.config_diff
        if self.target.protected:
            removed = [c.describe() for c in diff.changes if c.change == "removed"] if diff else []
            if removed:
                more = f" and {len(removed) - 3} more" if len(removed) > 3 else ""
                cautions.append(
                    f"deletes {count(len(removed), 'row')} in protected {self.target.name}: "
                    + ", ".join(removed[:3])
                    + more
                )
        elif self.security.weakening:
            cautions.append(
                f"widens access in {self.target.name} ({count(len(self.security.weakening), 'change')}; "
                "see the Security section)"
            )
        nothing = None
        if self.model_diff.empty and (diff is None or diff.empty):
            nothing = f"nothing to promote: {self.target.name} already holds what would be sent"
        return decide(self.gates(Consent()), cautions, nothing)

    @property
    def stamp(self) -> str:
        """What the plan describes, in four short hashes: source model and configuration, target
        model and configuration (and, when rules or exclusions apply, a fifth: them). A promotion
        made from a confirmed plan refuses when it changed."""
        parts = [
            model_digest(self.source_model)[:12],
            (self.source_fingerprint or "")[:12],
            model_digest(self.target_model)[:12],
            (self.target_fingerprint or "")[:12],
        ]
        if self.shaped.spec.active or self.shaped.spec.no_rules:
            parts.append(self.shaped.spec.digest)
        return "-".join(parts)

    def refusals(self, options: PromoteOptions) -> list[Refusal]:
        """Every gate that refuses this promotion with these options (see ``gates``)."""
        return self.gates(options.consent, skip_model=options.skip_model, skip_config=options.skip_config)

    def gates(
        self, consent: Consent, *, skip_model: bool = False, skip_config: bool = False
    ) -> list[Refusal]:
        """Every gate of this promotion with *consent*, in the order a user should read them; each
        refusal is built by ``gates.py`` from the plain values it needs."""
        out: list[Refusal] = []
        if not skip_model and not self.model_diff.empty:
            valid, warnings = self.validation.valid, self.validation.warning_lines()
            out += gates.model_change(self.target, valid, warnings, self.drops.lines(), consent)
        out += gates.protected(self.target, consent)
        out += gates.stage_order(self.source, self.target, consent)
        drift_count = self.drift.count() if self.drift is not None else None
        out += gates.drift(self.target, self.drifted, self.drift_since, drift_count, consent)
        if not skip_config:
            out += gates.security(self.target, self.security.weakening, consent)
        source_count = self.source_drift.count() if self.source_drift is not None else None
        out += gates.unverified_source(
            self.source, self.target, self.source_drifted, self.source_drift_since, source_count, consent
        )
        if self.archived is not None:
            archived = self.archived
            out += gates.unverified_release(self.target, archived.label, archived.unverified, consent)
            out += gates.other_app(self.target, self.archived.foreign, consent)
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source.name,
            "target": self.target.name,
            "valid": self.validation.valid,
            "warnings": self.validation.warning_lines(),
            **self.drops.as_json(),
            "model_changes": self.model_diff.count(),
            "model_diff": self.model_diff.lines(),
            "config_changes": self.config_diff.count() if self.config_diff else 0,
            "config_summary": self.config_diff.summary() if self.config_diff else {},
            "config_diff": self.config_diff.lines() if self.config_diff else [],
            "config_details": self.config_diff.as_json() if self.config_diff else [],
            "model_details": self.model_diff.as_json(),
            "security": self.security.as_json(),
            "security_lines": self.security.lines(),
            "drift": self.drift.lines() if self.drift else [],
            "drifted": self.drifted,
            "drift_since": self.drift_since,
            "stamp": self.stamp,
            "verdict": self.verdict().as_json(),
            "gates": [r.as_json() for r in self.gates(Consent())],  # met without consent
            "export_id": self.export.id if self.export else None,
            "backup_id": self.backup.id if self.backup else None,
            "shaping": self.shaped.summary(),
            "shaping_lines": self.shaped.lines(),
            "shaping_effects": self.shaped.effect_lines(),
            "release": self.archived.release if self.archived else None,
            "source_label": self.archived.label if self.archived else self.source.name,
            "source_drifted": self.source_drifted,
            "source_drift_since": self.source_drift_since,
            "source_drift": self.source_drift.lines() if self.source_drift else [],
        }


def make_plan(
    ctx: Context,
    source: Profile,
    target: Profile,
    reporter: Reporter,
    src: BackandClient | None,
    dst: BackandClient,
    options: PromoteOptions | None = None,
    *,
    full_texts: bool = False,
    head: HeadStart | None = None,
    archived: ArchivedSource | None = None,
    reuse: SourceRead | None = None,
    record: bool = False,
) -> Plan:
    """Read both sides and compare them. Read-only: no lock, no history; its downloads are archived
    as prunable ``plan`` entries (identical bytes are stored once). With *full_texts* (a plan a
    person reads), the long texts of the changes are read back in full. The target's rules and the
    options' exclusions shape what would be sent; the diffs are between the target and that. With
    *head*, the source's export is the one that head start began downloading (see headstart.py).
    With *archived* (a release), the source is that entry and its model: nothing is read from *src*
    (None), and the entry's zip must match its recorded sha256. With *reuse* (the record of the
    confirmed plan's read of the source, ``planrecord.py``), that read is taken instead of a download
    when the source still looks as it did then; with *record*, the plan learns how the source looked
    before its download (``Plan.source_seen``). Fingerprints and diffs of bytes parsed before are
    taken from the archive's parse records."""
    options = options or PromoteOptions()
    spec = spec_for(target, options.exclude, options.no_rules)
    if archived is not None:
        with reporter.step("Check the release"):
            ctx.archive.path_for_upload(archived.entry)  # a file the index does not vouch for: refused
            held = (ctx.fingerprint(archived.entry), model_digest(archived.model))
            if archived.expected is not None and held != archived.expected:  # rewritten with its sha256
                raise UsageError(
                    f"{archived.label} no longer holds what was taken (its configuration or model "
                    "differs from what was recorded with it): it is not promoted. Take a new release."
                )
            reporter.log(f"{archived.label}: archive entry #{archived.entry.id}, sha256 as recorded")
    with reporter.step("Read models"):
        if archived is not None:
            source_model = archived.model
        else:
            assert src is not None
            source_model = src.get_model()
        target_model = dst.get_model()
        reporter.log(
            f"{archived.label if archived else source.name}: {len(source_model)} objects; "
            f"{target.name}: {len(target_model)} objects"
        )
    reused = None
    if reuse is not None and src is not None:
        reused = _reused_source(ctx, reuse, source, src, source_model, reporter)
    seen: Seen | None = None
    export: Alongside[tuple[Entry, ConfigDocs | None]] | None = None
    if reused is not None:
        if head is not None:
            head.close()  # its export is not wanted: stopped now, not at the end of the run
        reporter.skip("Download source configuration", "unchanged since the plan: the plan's read is sent")
    elif archived is None:
        assert src is not None
        if record and (head is None or head.profile != source):
            seen = read_seen(src)  # before the download is asked for (planrecord.py)
        # The source's export downloads on its own thread while the target is validated and read:
        # the server builds both zips at once, the longest waits of a plan on a large configuration.
        export = _export_alongside(ctx, source, target, reporter, src, source_model, head)
    try:
        shaped = shape_model(spec, source_model, target_model)
        sent_model = shaped.model.model if shaped.model is not None else source_model
        with reporter.step("Validate on target"):
            validation = dst.validate_fully(sent_model, target_model)
            model_diff = diff_models(target_model, sent_model)
            reporter.log(f"validation: {validation.valid}; {count(model_diff.count(), 'model change')}")
            for line in validation.warning_lines():
                reporter.log(f"warning: {line}", "warning")
        plan = Plan(source, target, source_model, target_model, validation, model_diff, shaped=shaped)
        plan.archived = archived
        with reporter.step("Read target configuration"):
            plan.backup = ctx.download(
                dst,
                target,
                "plan",
                reporter,
                "Read target configuration",
                model=target_model,
                note=f"plan {source.name} -> {target.name}: target",
            )
        if export is not None:
            plan.export, docs = export.result()
            ctx.adopt_docs(plan.export, docs)
            if record:
                plan.source_seen = head.seen if head is not None and head.profile == source else seen
        elif reused is not None:
            plan.export, plan.source_reused = reused, True
        else:
            assert archived is not None
            plan.export = archived.entry
    except BaseException:
        if export is not None:
            export.abandon()
        raise
    with reporter.step("Compare configurations"):
        plan.sent = build_sent(
            ctx,
            shaped,
            plan.export,
            plan.backup,
            model_diff,
            reporter,
            f"plan {source.name} -> {target.name}: to send",
        )
        for line in shaped.lines():
            reporter.log(line)
        plan.config_diff = ctx.config_diff(plan.backup, plan.sent)
        if full_texts:
            from app.configdoc.fulltext import fill_texts  # only a plan a person reads needs it

            paths = ctx.archive.path_of(plan.backup), ctx.archive.path_of(plan.sent)
            if left := fill_texts(plan.config_diff, *paths):
                reporter.log(
                    f"{count(left, 'long text')} shown by length and hash only (over the plan's budget)"
                )
        plan.target_fingerprint = ctx.fingerprint(plan.backup)
        plan.source_fingerprint = ctx.fingerprint(plan.export)
        plan.sent_fingerprint = (
            plan.source_fingerprint if plan.sent.id == plan.export.id else ctx.fingerprint(plan.sent)
        )
        reporter.log(f"configuration: {count(plan.config_diff.count(), 'change')}")
        _check_drift(ctx, plan, reporter)
        if archived is None:
            _check_source_drift(ctx, plan, reporter)
    ctx.forget_docs()  # the plan keeps what it found, not the documents (a promotion reads no more)
    plan.security  # classified here, on the job's thread, not where the plan is shown  # noqa: B018
    return plan


def _reused_source(
    ctx: Context,
    reuse: SourceRead | None,
    source: Profile,
    src: BackandClient,
    source_model: Model,
    reporter: Reporter,
) -> Entry | None:
    """The confirmed plan's read of the source, when the source's model, label and version list are
    what they were before that read, and its archived file still holds the recorded sha256."""
    if reuse is None:
        return None
    versions = src.list_versions()
    now = (model_digest(source_model), versions.current or "", tuple(versions.versions))
    if now != reuse.seen:
        reporter.log(f"{source.name} changed since the plan (model, label or versions): read again")
        return None
    try:
        entry = ctx.archive.get(reuse.export_id)
        if (entry.sha256, entry.base_url, entry.app) != (reuse.sha256, source.base_url, source.app):
            return None
        ctx.archive.path_for_upload(entry)  # re-hashed: bytes the index no longer vouches for are not sent
    except UsageError as exc:
        reporter.log(f"the plan's read of {source.name} cannot be used ({exc.message}): read again")
        return None
    reporter.log(
        f"{source.name} unchanged since the plan by model, label and versions: its read #{entry.id} is sent"
    )
    return entry


def _export_alongside(
    ctx: Context,
    source: Profile,
    target: Profile,
    reporter: Reporter,
    src: BackandClient,
    source_model: Model,
    head: HeadStart | None,
) -> Alongside[tuple[Entry, ConfigDocs | None]]:
    def work(stopped: Callable[[], bool]) -> tuple[Entry, ConfigDocs | None]:
        try:
            with reporter.step("Download source configuration"):
                entry = ctx.download(
                    src,
                    source,
                    "plan",
                    reporter,
                    "Download source configuration",
                    model=source_model,
                    note=f"plan {source.name} -> {target.name}: source",
                    stopped=stopped,
                    head=head,
                )
            return entry, ctx.take_docs(entry)
        finally:
            ctx.release_thread()

    return Alongside(work, "download source configuration")


def _check_drift(ctx: Context, plan: Plan, reporter: Reporter) -> None:
    """Compare the target with what the promoter last left it holding; show the changes when that
    export is still archived."""
    found = since_baseline(ctx, plan.target.target_key, plan.target_fingerprint or "", plan.backup)
    if found is None:
        return
    if not found.comparable:
        reporter.log(
            f"drift unknown: {plan.target.name} was last written by an older promoter (run #{found.since}); "
            "the next write records a new baseline",
            "warning",
        )
        return
    plan.drifted, plan.drift_since, plan.drift = True, found.since, found.diff
    if found.unavailable:
        reporter.log(f"drift details unavailable: {found.unavailable}", "warning")
    reporter.log(
        f"drift: {plan.target.name} changed since run #{found.since}: {found.count_text()}", "warning"
    )


def _check_source_drift(ctx: Context, plan: Plan, reporter: Reporter) -> None:
    """Whether the source changed since the promoter last verified a write into it (its baseline):
    then the target would receive a state that was never promoted through the source."""
    found = since_baseline(ctx, plan.source.target_key, plan.source_fingerprint or "", plan.export)
    if found is None or not found.comparable:
        return
    plan.source_drifted, plan.source_drift_since, plan.source_drift = True, found.since, found.diff
    if found.unavailable:
        reporter.log(f"the source's drift details unavailable: {found.unavailable}", "warning")
    reporter.log(
        f"{plan.source.name} changed since run #{found.since}, "
        f"the promoter's last verified write into it: {found.count_text()}",
        "warning",
    )
