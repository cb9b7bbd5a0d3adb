"""A promotion, top to bottom: plan under the lock, gates, model, configuration, cache, verify.

The runner (``run.py``) owns the lock, history, backup and automatic rollback; this module only says
what a promotion reads, refuses, writes and checks. ``plan_promotion`` is the read-only preflight.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.backand import BackandClient
from app.engine import gates, planrecord
from app.engine.backup import VerifyFailed, adopt_backup, model_digest
from app.engine.context import Context
from app.engine.events import CancelToken, Listener, Reporter
from app.engine.headstart import HeadStart
from app.engine.plan import Plan, PromoteOptions, make_plan
from app.engine.result import Result, Status, describe, error_kind
from app.engine.run import Session, run_write
from app.errors import Cancelled, PromoterError, UsageError
from app.profiles import Profile

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
) -> Result:
    """Promote *source* into *target*. The source's export starts downloading at once
    (``headstart.py``), unless the caller began it earlier: then it hands it over as *head* (closed
    here) with *begin_head* False, so a source that could not begin is not asked twice."""
    early = [] if options.dry_run else gates.before_reading(source, target, options.consent)
    if early and head is not None:  # refused before anything is read: the export is not wanted
        head.close()
        head = None
    reusable = (
        options.expect_stamp is not None and planrecord.path_for(ctx.home, options.expect_stamp).exists()
    )
    if reusable and head is not None:  # the confirmed plan's read of the source is likely sent instead
        head.close()
        head = None
    begin = begin_head and source.name != target.name and not early and not reusable
    head = _head_for(ctx, source, head, begin)
    try:
        if source.name == target.name:
            raise UsageError("Source and target are the same profile.")
        if options.dry_run:
            return plan_promotion(ctx, source, target, options, listener, cancel, head, begin_head=False)
        return run_write(ctx, Promotion(source, target, options, head=head), listener, cancel)
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
) -> Result:
    """The read-only plan: no lock, no history run, downloads archived as prunable ``plan`` entries.
    Like :func:`promote`, it begins (or takes over, and closes) the source export's head start."""
    options = options or PromoteOptions()
    reporter = Reporter(listener, cancel)
    result = Result("plan", Status.FAILED, target.name, source=source.name)
    head = _head_for(ctx, source, head, begin_head)
    try:
        with reporter.step("Connect"):
            src, dst = ctx.client(source), ctx.client(target)
        with src, dst:
            plan = make_plan(
                ctx, source, target, reporter, src, dst, options, full_texts=True, head=head, record=True
            )
        if plan.source_seen is not None and plan.export is not None:  # for the promotion of this plan
            model, current, versions = plan.source_seen
            record = planrecord.SourceRead(
                plan.stamp, source.target_key, model, current, versions, plan.export.id, plan.export.sha256
            )
            planrecord.keep(ctx.home, record)
        result.plan = plan.summary()
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
    kind: str = "promote"
    versions_saved: int = 0
    plan: Plan | None = None
    src: BackandClient | None = None
    head: HeadStart | None = None  # the source's export, already downloading (promote() closes it)

    @property
    def source_label(self) -> str:
        return self.source.name

    def prepare(self, s: Session) -> None:
        gates.raise_if(gates.before_reading(self.source, self.target, self.options.consent))
        self.src = s.ctx.client(self.source)
        stamp = self.options.expect_stamp
        reuse = planrecord.load(s.ctx.home, stamp, self.source.target_key) if stamp else None
        with self.src:  # the source is only read, for the plan
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
                reuse=reuse,
            )
        assert plan.backup is not None and plan.export is not None and plan.sent is not None
        s.result.plan = plan.summary()
        with s.reporter.step("Safety checks"):
            refusals = gates.stale(self.options.expect_stamp, plan.stamp) + plan.refusals(self.options)
            gates.raise_if(refusals)  # refused: the reads stay prunable ``plan`` entries
            if self.options.consent.accepts_security:  # the consent's words go into history with the run
                s.result.plan["security"]["reason"] = (self.options.accept_security or "").strip()
        adopt_backup(s, plan.backup)  # the target as read under the lock is the backup
        s.ctx.archive.set_kind(plan.export.id, "export")
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

    def verify(self, s: Session) -> str:
        plan, dst, name = self._plan(), s.dst, self.target.name
        assert plan.sent is not None
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
            return f"Nothing to promote: {self.target.name} already holds what {self.source.name} would send."
        return f"Promoted {self.source.name} to {self.target.name}."

    def _plan(self) -> Plan:
        assert self.plan is not None
        return self.plan
