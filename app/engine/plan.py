"""The read-only preflight: models, validation, diffs, backups into the archive, drift; and the gates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.archive import Entry
from app.backand import BackandClient, Validation
from app.configdoc.diff import ConfigDiff, diff_configs, fingerprint
from app.engine.context import Context
from app.engine.events import Reporter
from app.engine.modeldiff import ModelDiff, diff_models
from app.errors import PromoterError
from app.profiles import Profile

Model = list[dict[str, Any]]


@dataclass(frozen=True)
class PromoteOptions:
    yes: bool = False
    confirm: str | None = None
    dry_run: bool = False
    allow_data_loss: bool = False
    allow_skip_stage: bool = False
    skip_model: bool = False
    skip_config: bool = False


@dataclass
class Plan:
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
    notes: list[str] = field(default_factory=list)

    @property
    def dropped_tables(self) -> list[str]:
        return sorted(set(self.validation.dropped_tables) | set(self.model_diff.dropped_tables))

    @property
    def dropped_columns(self) -> list[tuple[str, str]]:
        return sorted(set(self.validation.dropped_columns) | set(self.model_diff.dropped_columns))

    @property
    def loses_data(self) -> bool:
        return self.validation.valid == "data" or bool(self.dropped_tables or self.dropped_columns)

    def refusals(self, options: PromoteOptions) -> list[str]:
        """Every safety gate that refuses, as a sentence naming the flag that overrides it."""
        out = []
        if not options.skip_model and self.validation.valid == "never":
            out.append(
                "the target refuses the source model as invalid: "
                + "; ".join(self.validation.warning_lines())
            )
        if not options.skip_model and self.loses_data and not options.allow_data_loss:
            parts = [f"table {t}" for t in self.dropped_tables]
            parts += [f"column {t}.{c}" for t, c in self.dropped_columns]
            if self.validation.valid == "data":
                parts += self.validation.warning_lines()
            out.append("the model change loses data (" + ", ".join(parts) + "); pass --allow-data-loss")
        if self.target.protected and options.confirm != self.target.name:
            out.append(f"{self.target.name} is protected; confirm with --confirm {self.target.name}")
        if self.target.stage != self.source.stage + 1 and not options.allow_skip_stage:
            out.append(
                f"{self.source.name} is stage {self.source.stage} and {self.target.name} stage "
                f"{self.target.stage}; promotions go to the next stage (pass --allow-skip-stage)"
            )
        if self.drift is not None and not self.drift.empty and not options.yes:
            out.append(
                f"{self.target.name} was changed outside the promoter since run #{self.drift_since} "
                f"({self.drift.count()} changes); review them and pass --yes"
            )
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source.name,
            "target": self.target.name,
            "valid": self.validation.valid,
            "warnings": self.validation.warning_lines(),
            "dropped_tables": self.dropped_tables,
            "dropped_columns": [{"table": t, "column": c} for t, c in self.dropped_columns],
            "model_changes": self.model_diff.count(),
            "model_diff": self.model_diff.lines(),
            "config_changes": self.config_diff.count() if self.config_diff else 0,
            "config_summary": self.config_diff.summary() if self.config_diff else {},
            "config_diff": self.config_diff.lines() if self.config_diff else [],
            "config_details": self.config_diff.as_json() if self.config_diff else [],
            "model_details": self.model_diff.as_json(),
            "drift": self.drift.lines() if self.drift else [],
            "export_id": self.export.id if self.export else None,
            "backup_id": self.backup.id if self.backup else None,
        }


def validate(client: BackandClient, new: Model, old: Model) -> Validation:
    """Validate at severity 0; when the verdict is ``data`` the notifications are missing (early
    return), so ask again at severity 1, which is still read-only."""
    result = client.validate_model(new, old, severity=0)
    if result.valid == "data" and not result.complete:
        full = client.validate_model(new, old, severity=1)
        return Validation(
            result.valid, result.warnings, full.dropped_tables, full.dropped_columns, full.alter, True
        )
    return result


def make_plan(
    ctx: Context,
    source: Profile,
    target: Profile,
    reporter: Reporter,
    src: BackandClient,
    dst: BackandClient,
    promotion_id: int | None = None,
) -> Plan:
    with reporter.step("Read models"):
        source_model = src.get_model()
        target_model = dst.get_model()
        reporter.log(
            f"{source.name}: {len(source_model)} objects; {target.name}: {len(target_model)} objects"
        )
    with reporter.step("Validate on target"):
        validation = validate(dst, source_model, target_model)
        model_diff = diff_models(target_model, source_model)
        reporter.log(f"validation: {validation.valid}; {model_diff.count()} model changes")
        for line in validation.warning_lines():
            reporter.log(f"warning: {line}", "warning")
    plan = Plan(source, target, source_model, target_model, validation, model_diff)
    with reporter.step("Download source configuration"):
        plan.export = ctx.download(
            src,
            source,
            "export",
            reporter,
            "Download source configuration",
            model=source_model,
            promotion_id=promotion_id,
        )
    with reporter.step("Back up target configuration"):
        plan.backup = ctx.download(
            dst,
            target,
            "backup",
            reporter,
            "Back up target configuration",
            model=target_model,
            promotion_id=promotion_id,
        )
    with reporter.step("Compare configurations"):
        target_docs = ctx.docs(plan.backup)
        plan.config_diff = diff_configs(target_docs, ctx.docs(plan.export))
        plan.target_fingerprint = fingerprint(target_docs)
        reporter.log(f"configuration: {plan.config_diff.count()} changes")
        last = ctx.history.last_into(target.name)
        if last is not None and last.fingerprint and last.fingerprint != plan.target_fingerprint:
            verify_id = last.archive_ids.get("verify")
            try:
                if verify_id is not None:
                    plan.drift = diff_configs(ctx.docs(ctx.archive.get(int(verify_id))), target_docs)
                    plan.drift_since = last.id
                    reporter.log(
                        f"drift: {target.name} changed since promotion #{last.id}: "
                        f"{plan.drift.count()} changes",
                        "warning",
                    )
            except PromoterError as exc:
                reporter.log(f"drift not checked: {exc.message}", "warning")
    return plan
