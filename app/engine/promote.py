"""A promotion: plan, gates, apply (model, configuration, cache), verify; roll back on any failure.

Status: ``succeeded``, ``dry_run``, ``refused`` (a gate said no, nothing written), ``failed``
(nothing was written), ``rolled_back`` (a write happened, then failed, and the target is back as it
was), ``rollback_failed`` (the target may be inconsistent: restore the backup by hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.backand import BackandClient
from app.backand.errors import BackandError
from app.configdoc.diff import diff_configs, fingerprint
from app.engine.context import Context
from app.engine.events import CancelToken, Listener, Reporter
from app.engine.lock import TargetLock
from app.engine.plan import Plan, PromoteOptions, make_plan
from app.errors import Cancelled, PromoterError, SafetyRefusal
from app.profiles import Profile

EXIT = {"succeeded": 0, "dry_run": 0, "refused": 3, "failed": 1, "rolled_back": 1, "rollback_failed": 5}


class VerifyFailed(PromoterError):
    """The target does not hold what was sent."""


@dataclass
class PromotionResult:
    status: str
    source: str
    target: str
    message: str
    run_id: int
    steps: list[dict[str, Any]] = field(default_factory=list)
    plan: dict[str, Any] = field(default_factory=dict)
    backup_id: int | None = None
    export_id: int | None = None
    refusals: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT[self.status]

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "source": self.source,
            "target": self.target,
            "message": self.message,
            "run_id": self.run_id,
            "steps": self.steps,
            "backup_id": self.backup_id,
            "export_id": self.export_id,
            "model_changes": self.plan.get("model_diff", []),
            "config_changes": self.plan.get("config_diff", []),
            "refusals": self.refusals,
            "plan": self.plan,
        }


@dataclass
class _Touched:
    model: bool = False
    config: bool = False

    @property
    def any(self) -> bool:
        return self.model or self.config


def promote(
    ctx: Context,
    source: Profile,
    target: Profile,
    options: PromoteOptions,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
) -> PromotionResult:
    reporter = Reporter(listener, cancel)
    if source.name == target.name:
        raise SafetyRefusal("Source and target are the same profile.")
    with TargetLock(ctx.home.locks_dir, target.name):
        run_id = ctx.history.start("promote", source.name, target.name)
        result = PromotionResult("failed", source.name, target.name, "", run_id)
        plan: Plan | None = None
        touched = _Touched()
        fp: str | None = None
        archive_ids: dict[str, Any] = {}
        try:
            with reporter.step("Connect"):
                src, dst = ctx.client(source), ctx.client(target)
                reporter.log(f"source {source.name}: {source.app} at {source.base_url}")
                reporter.log(f"target {target.name}: {target.app} at {target.base_url}")
            plan = make_plan(ctx, source, target, reporter, src, dst, run_id)
            assert plan.backup is not None and plan.export is not None
            result.plan, result.backup_id, result.export_id = plan.summary(), plan.backup.id, plan.export.id
            result.plan["gates"] = plan.refusals(PromoteOptions())  # what a promote without flags meets
            archive_ids.update(export=plan.export.id, backup=plan.backup.id)
            ctx.history.set_archive_ids(run_id, archive_ids)
            ctx.archive.reference(plan.backup.id, run_id, "backup")
            with reporter.step("Safety checks"):
                result.refusals = plan.refusals(options)
                if result.refusals:
                    raise SafetyRefusal("Refused: " + "; ".join(result.refusals) + ".")
            if options.dry_run:
                result.status, result.message = "dry_run", "Dry run: the plan is ready; nothing was written."
            else:
                fp, archive_ids["verify"] = _apply_and_verify(
                    ctx, plan, options, reporter, src, dst, touched, run_id
                )
                result.status = "succeeded"
                result.message = f"Promoted {source.name} to {target.name}."
        except SafetyRefusal as exc:
            result.status, result.message = "refused", exc.message
        except (BackandError, Cancelled, VerifyFailed, PromoterError) as exc:
            if plan is not None and touched.any:
                _rollback(ctx, plan, reporter, dst, touched, result, exc)
            else:
                result.status = "failed"
                result.message = f"{exc.message} Nothing was written to {target.name}."
        finally:
            result.steps = reporter.json_steps()
            ctx.history.finish(
                run_id,
                result.status,
                result.message,
                result.plan,
                result.steps,
                archive_ids,
                fp if result.status == "succeeded" else None,
            )
            reporter.log(result.message, "info" if result.exit_code == 0 else "warning")
        return result


def _apply_and_verify(
    ctx: Context,
    plan: Plan,
    options: PromoteOptions,
    reporter: Reporter,
    src: BackandClient,
    dst: BackandClient,
    touched: _Touched,
    run_id: int,
) -> tuple[str, int]:
    assert plan.export is not None
    model_equal = plan.model_diff.empty
    if options.skip_model:
        reporter.skip("Apply model", "--skip-model")
    elif model_equal:
        reporter.skip("Apply model", "the models are equal")
    else:
        with reporter.step("Apply model"):
            touched.model = True
            dst.apply_model(plan.source_model, severity=1 if options.allow_data_loss else 0)
            reporter.log(f"model applied to {plan.target.name}")
    if options.skip_config:
        reporter.skip("Upload configuration", "--skip-config")
        reporter.skip("Clear cache", "--skip-config")
    else:
        with reporter.step("Upload configuration"):
            touched.config = True
            message = dst.upload_config(
                ctx.archive.path_of(plan.export),
                f"{plan.source.app}.zip",
                progress=reporter.progress("Upload configuration"),
                cancel=reporter.cancel.is_set,
            )
            reporter.log(message)
        with reporter.step("Clear cache"):
            dst.reload_cache()
    with reporter.step("Verify"):
        if not options.skip_model:
            now = dst.get_model()
            if now != plan.source_model:
                raise VerifyFailed(
                    f"Verify: the model of {plan.target.name} differs from {plan.source.name}'s."
                )
        after = ctx.download(
            dst,
            plan.target,
            "export",
            reporter,
            "Verify",
            promotion_id=run_id,
            note=f"after promotion #{run_id}",
            model=plan.source_model,
        )
        after_docs = ctx.docs(after)
        if not options.skip_config:
            left = diff_configs(ctx.docs(plan.export), after_docs)
            if not left.empty:
                raise VerifyFailed(
                    f"Verify: the configuration of {plan.target.name} differs from what was sent: "
                    + "; ".join(left.lines()[:5])
                )
            served = dst.list_versions().current
            sent = plan.export.version
            if sent and served != sent:
                raise VerifyFailed(
                    f"Verify: {plan.target.name} still serves configuration {served}, not the {sent} "
                    "that was sent (its cache was not cleared)."
                )
        reporter.log("verified: the target holds what was sent")
    return fingerprint(after_docs), after.id


def _rollback(
    ctx: Context,
    plan: Plan,
    reporter: Reporter,
    dst: BackandClient,
    touched: _Touched,
    result: PromotionResult,
    cause: PromoterError,
) -> None:
    assert plan.backup is not None
    reporter.log(f"rolling back {plan.target.name} after: {cause.message}", "warning")
    reporter.cancel = CancelToken()  # a rollback is not cancellable: it must run to the end
    try:
        if touched.model:
            with reporter.step("Roll back model", cancellable=False):
                current = dst.get_model()
                if current != plan.target_model:
                    dst.apply_model(plan.target_model, severity=1)
        with reporter.step("Roll back configuration", cancellable=False):
            dst.upload_config(ctx.archive.path_of(plan.backup), f"{plan.target.app}.zip")
            dst.reload_cache()
        with reporter.step("Verify rollback", cancellable=False):
            if dst.get_model() != plan.target_model:
                raise VerifyFailed("the model is not the backed-up one")
            check = ctx.download(
                dst,
                plan.target,
                "export",
                reporter,
                "Verify rollback",
                note=f"after rollback of promotion #{result.run_id}",
            )
            if fingerprint(ctx.docs(check)) != plan.target_fingerprint:
                raise VerifyFailed("the configuration is not the backed-up one")
    except (BackandError, VerifyFailed, PromoterError) as exc:
        result.status = "rollback_failed"
        result.message = (
            f"FAILED and the automatic rollback FAILED too ({exc.message}). {plan.target.name} may be "
            f"inconsistent. Cause: {cause.message} Restore the backup by hand: "
            f"promoter restore {plan.target.name} {plan.backup.id}"
        )
        return
    for step in reporter.steps:
        if step.name in ("Apply model", "Upload configuration", "Clear cache") and step.status == "done":
            step.status = "rolled_back"
    result.status = "rolled_back"
    result.message = (
        f"{cause.message} The promotion was rolled back: {plan.target.name} is as it was before "
        f"(backup #{plan.backup.id})."
    )
