"""A promotion, top to bottom: plan under the lock, gates, model, configuration, cache, verify.

The runner (``run.py``) owns the lock, history, backup and automatic rollback; this module only says
what a promotion reads, refuses, writes and checks. ``plan_promotion`` is the read-only preflight.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from app.backand import BackandClient
from app.backand.model import model_digest
from app.configdoc.known import take_text_ahead
from app.engine import gates
from app.engine.alongside import Alongside
from app.engine.context import Context
from app.engine.events import CancelToken, Listener, Reporter
from app.engine.ops.run import run_write
from app.engine.ops.safety_backup import VerifyFailed, adopt_backup
from app.engine.reads import planrecord
from app.engine.reads.headstart import HeadStart
from app.engine.reads.plan import ArchivedSource, Plan, PromoteOptions, make_plan
from app.engine.result import Result, Status, describe, error_kind
from app.engine.session import Session
from app.errors import Cancelled, PromoterError, UsageError
from app.kinds import WriteKind
from app.profile import Profile

__all__ = ["PromoteOptions", "Result", "Status", "VerifyFailed", "plan_promotion", "promote"]


def promote(
    ctx: Context,
    source: Profile,
    target: Profile,
    options: PromoteOptions,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
    head: HeadStart | None = None,
    *,
    begin_head: bool = True,
    archived: ArchivedSource | None = None,
) -> Result:
    """Promote *source* into *target*. The source's export starts downloading at once
    (``headstart.py``), unless the caller began it earlier: then it hands it over as *head* (closed
    here) with *begin_head* False, so a source that could not begin is not asked twice. With
    *archived* (a release: ``releases.release_source``), that entry and its model are sent, and
    *source* is the environment it was taken from; nothing is read from it."""
    target = ctx.guarded(target)  # a protection removed by hand still guards the target
    early = [] if options.dry_run else gates.before_reading(source, target, options.consent)
    # the source's export is not wanted when refused before reading, when a release is sent, or
    # when the confirmed plan's read of the source is likely sent instead
    reusable = (
        archived is None
        and options.expect_stamp is not None
        and planrecord.path_for(ctx.home, options.expect_stamp).exists()
    )
    unwanted = bool(early) or archived is not None or reusable
    if unwanted and head is not None:
        head.close()
        head = None
    head = _head_for(ctx, source, head, begin_head and source.name != target.name and not unwanted)
    try:
        if source.name == target.name and archived is None:
            raise UsageError("Source and target are the same profile.")
        if options.dry_run:
            return plan_promotion(
                ctx, source, target, options, listener, cancel, head, begin_head=False, archived=archived
            )
        promotion = Promotion(source, target, options, head=head, archived=archived)
        return run_write(ctx, promotion, listener, cancel)
    finally:
        if head is not None:
            head.close()


def plan_promotion(
    ctx: Context,
    source: Profile,
    target: Profile,
    options: PromoteOptions | None = None,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
    head: HeadStart | None = None,
    *,
    begin_head: bool = True,
    archived: ArchivedSource | None = None,
) -> Result:
    """The read-only plan: no lock, no history run, downloads archived as prunable ``plan`` entries.
    Like :func:`promote`, it begins (or takes over, and closes) the source export's head start.
    With *archived* (a release), the source is that entry: nothing is read from *source*."""
    options = options or PromoteOptions()
    reporter = Reporter(listener, cancel)
    target = ctx.guarded(target)  # as the promotion will treat it
    label = archived.label if archived is not None else source.name
    result = Result("plan", Status.FAILED, target.name, source=label)
    head = _head_for(ctx, source, head, begin_head and archived is None)
    try:
        with reporter.step("Connect"):
            src = ctx.client(source) if archived is None else None
            dst = ctx.client(target)
        with src if src is not None else contextlib.nullcontext(), dst:
            plan = make_plan(
                ctx,
                source,
                target,
                reporter,
                src,
                dst,
                options,
                full_texts=True,
                head=head,
                archived=archived,
                record=archived is None,
            )
        if plan.source_seen is not None and plan.export is not None:  # for the promotion of this plan
            model, current, versions = plan.source_seen
            record = planrecord.SourceRead(
                plan.stamp, source.target_key, model, current, versions, plan.export.id, plan.export.sha256
            )
            planrecord.keep(ctx.home, record)
        result.plan, result.planned = plan.summary(), plan
        result.refusals = plan.refusals(options)
        result.status, result.message = Status.DRY_RUN, "Plan ready: nothing was written."
    except (PromoterError, OSError) as exc:
        result.error_kind = error_kind(exc)
        result.message = f"{describe(exc)} Nothing was written."
        if isinstance(exc, Cancelled):
            result.message = "Plan cancelled. Nothing was written."
    finally:
        if head is not None:
            head.close()
    result.steps = reporter.json_steps()
    return result


def _head_for(ctx: Context, source: Profile, head: HeadStart | None, begin: bool) -> HeadStart | None:
    """The head start to use for *source*: the one handed over when it is this profile's (the
    profiles file may have changed since it began), else a new one when *begin*."""
    if head is not None and head.profile != source:
        head.close()
        head = None
    if head is None and begin:
        head = HeadStart.begin(source, ctx.secrets, ctx.settings, ctx.home.tmp_dir, seen=True)
    return head


@dataclass
class Promotion:
    source: Profile
    target: Profile
    options: PromoteOptions
    kind: str = WriteKind.PROMOTE
    versions_saved: int = 0
    plan: Plan | None = None
    src: BackandClient | None = None
    head: HeadStart | None = None  # the source's export, already downloading (promote() closes it)
    archived: ArchivedSource | None = None  # a release: sent from the archive, the source not read
    text_ahead: Alongside[None] | None = None  # what is sent, read for the verify during the upload

    @property
    def source_label(self) -> str:
        return self.archived.label if self.archived is not None else self.source.name

    def prepare(self, s: Session) -> None:
        early = gates.before_reading(self.source, self.target, self.options.consent)
        if self.archived is not None:
            early += gates.other_app(self.target, self.archived.foreign, self.options.consent)
        gates.raise_if(early)
        self.src = s.ctx.client(self.source) if self.archived is None else None
        stamp = self.options.expect_stamp
        reuse = (
            planrecord.load(s.ctx.home, stamp, self.source.target_key)
            if stamp and self.archived is None
            else None
        )
        with self.src if self.src is not None else contextlib.nullcontext():  # only read, for the plan
            plan = self.plan = make_plan(
                s.ctx,
                self.source,
                self.target,
                s.reporter,
                self.src,
                s.dst,
                self.options,
                full_texts=self.options.dry_run,
                head=self.head,
                archived=self.archived,
                reuse=reuse,
            )
        assert plan.backup is not None and plan.export is not None and plan.sent is not None
        s.result.plan, s.result.planned = plan.summary(), plan
        with s.reporter.step("Safety checks"):
            refusals = gates.stale(self.options.expect_stamp, plan.stamp) + plan.refusals(self.options)
            gates.raise_if(refusals)  # refused: the reads stay prunable ``plan`` entries
            if self.options.consent.accepts_security:  # the consent's words go into history with the run
                s.result.plan["security"]["reason"] = (self.options.accept_security or "").strip()
            _record_consents(s, plan, self.options)
        adopt_backup(s, plan.backup)  # the target as read under the lock is the backup
        if self.archived is None:
            s.ctx.archive.set_kind(plan.export.id, "export")
        else:  # the release's entry stays what it is
            s.record(release=plan.export.id)
        s.result.export_id = plan.export.id
        s.record(export=plan.export.id)
        if plan.sent.id != plan.export.id:  # shaped by rules or exclusions: kept next to the export
            s.ctx.archive.set_kind(plan.sent.id, "sent", f"sent to {self.target.name}, run #{s.run_id}")
            s.record(sent=plan.sent.id)
        changes_model = not self.options.skip_model and not plan.model_diff.empty
        self.versions_saved = 2 if changes_model else 0  # the apply and, if it fails, its undo

    def apply(self, s: Session) -> None:
        plan, dst, reporter = self._plan(), s.dst, s.reporter
        if self.options.skip_model:
            reporter.skip("Apply model", "--skip-model")
        elif plan.model_diff.empty:
            reporter.skip("Apply model", "the models are equal")
        else:
            with reporter.step("Apply model"):
                severity = 1 if self.options.allow_data_loss else 0
                s.write(
                    "Apply model",
                    lambda: dst.apply_model(plan.sent_model, severity=severity),
                    probe=lambda: model_digest(dst.get_model()),
                    sent=model_digest(plan.sent_model),
                )
        if self.options.skip_config:
            reporter.skip("Upload configuration", "--skip-config")
            reporter.skip("Clear cache", "--skip-config")
            return
        if plan.config_diff is not None and plan.config_diff.empty and not s.result.written:
            # nothing differs: an upload would only push a server version out of its five
            reporter.skip("Upload configuration", f"{self.target.name} already holds this configuration")
            reporter.skip("Clear cache", "nothing was uploaded")
            return
        assert plan.sent is not None
        export_path = s.ctx.archive.path_of(plan.sent)
        # what the verify compares its download with is read while the server takes the upload
        self.text_ahead = Alongside(lambda _stopped: take_text_ahead(export_path), "read what is sent")
        try:
            with reporter.step("Upload configuration"):
                said = s.write(
                    "Upload configuration",
                    lambda: dst.upload_config(
                        export_path,
                        f"{plan.source.app}.zip",
                        progress=reporter.progress("Upload configuration"),
                        cancel=reporter.cancel.is_set,
                    ),
                    probe=lambda: s.ctx.live_fingerprint(dst),
                    sent=plan.sent_fingerprint or s.ctx.fingerprint(plan.sent),
                )
                if said:  # quoted as the server's (its spelling included: "succesfuly")
                    reporter.log(f"{self.target.name} said: \u201c{said}\u201d")
            with reporter.step("Clear cache"):
                s.write("Clear cache", dst.reload_cache)
        except BaseException:
            self.text_ahead.abandon()  # no verify follows: nothing is left reading
            raise

    def verify(self, s: Session) -> str:
        plan, dst, name = self._plan(), s.dst, self.target.name
        assert plan.sent is not None
        if self.text_ahead is not None:  # waited for first, whatever follows (long done by now but
            self.text_ahead.abandon()  # for a tiny configuration); what it met, the verify meets
        with s.reporter.step("Verify"):
            if not self.options.skip_model and dst.get_model() != plan.sent_model:
                raise VerifyFailed(f"Verify: the model of {name} differs from what was sent.")
            sent_fp = plan.sent_fingerprint or s.ctx.fingerprint(plan.sent)
            s.ctx.forget_docs()  # the plan's documents go before the target's arrive: one held at a time
            after = s.ctx.download(
                dst,
                self.target,
                "export",
                s.reporter,
                "Verify",
                note=f"after promotion #{s.run_id}",
                model=plan.target_model if self.options.skip_model else plan.sent_model,
                known=plan.sent,
            )
            s.record(verify=after.id)
            if s.ctx.same_as_known(after):  # what was sent, but for import rewrites: no second parse
                now = sent_fp
                s.reporter.log("verify: the target serves what was sent (compared as text, not parsed again)")
            else:
                now = s.ctx.fingerprint(after)  # (recorded when these bytes were parsed before)
            if not self.options.skip_config:
                if now != sent_fp:  # read what was sent again only to name what differs
                    left = s.ctx.config_diff(plan.sent, after)
                    if not left.empty:
                        raise VerifyFailed(
                            f"Verify: the configuration of {name} differs from what was sent: "
                            + "; ".join(left.lines()[:5])
                        )
                served, sent = dst.list_versions().current, plan.sent.version
                if sent and served != sent and "Upload configuration" in s.result.written:
                    raise VerifyFailed(
                        f"Verify: {name} still serves configuration {served}, not the {sent} that was "
                        "sent (its cache was not cleared)."
                    )
            s.reporter.log("verified: the target holds what was sent")
        s.ctx.forget_docs()
        return now

    def success(self, s: Session) -> str:
        if not s.result.written:
            return (
                f"Nothing to promote: {self.target.name} already holds what {self.source_label} would send."
            )
        return f"Promoted {self.source_label} to {self.target.name}."

    def _plan(self) -> Plan:
        assert self.plan is not None
        return self.plan


def _record_consents(s: Session, plan: Plan, options: PromoteOptions) -> None:
    """The consents given to gates this promotion met, kept in history with the run."""
    consent = options.consent
    if plan.source_drifted and plan.target.protected and consent.accept_unverified_source:
        s.result.plan["unverified_source_accepted"] = True
    if plan.archived is not None and plan.archived.foreign and consent.allow_other_app:
        s.result.plan["other_app_accepted"] = True
