"""Model apply ("Validate & Update" with the promoter's safety), top to bottom, on the runner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.engine.backup import VerifyFailed, model_digest
from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.engine.gates import Consent, model_change, protected, raise_if
from app.engine.modeldiff import diff_models
from app.engine.plan import validate
from app.engine.result import Result
from app.engine.run import Session, run_write
from app.modelcheck import schema_errors
from app.profiles import Profile

Model = list[dict[str, Any]]


def apply_model(
    ctx: Context,
    profile: Profile,
    model: Model,
    consent: Consent | None = None,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
) -> Result:
    return run_write(ctx, ModelApply(profile, model, consent or Consent()), listener, cancel)


@dataclass
class ModelApply:
    target: Profile
    model: Model
    consent: Consent
    kind: str = "model"
    versions_saved: int = 2

    @property
    def source_label(self) -> str | None:
        return None

    def prepare(self, s: Session) -> None:
        with s.reporter.step("Validate on target"):
            current = s.dst.get_model()
            verdict = validate(s.dst, self.model, current)
            diff = diff_models(current, self.model)
            drops = [f"table {t}" for t in sorted(set(verdict.dropped_tables) | set(diff.dropped_tables))]
            drops += [
                f"column {t}.{c}" for t, c in sorted(set(verdict.dropped_columns) | set(diff.dropped_columns))
            ]
            warnings = verdict.warning_lines() + schema_errors(self.model)
            valid = "never" if schema_errors(self.model) else verdict.valid
            s.result.plan = {"model_objects": len(self.model), "model_diff": diff.lines(), "valid": valid}
        raise_if(
            model_change(self.target, valid, warnings, drops, self.consent)
            + protected(self.target, self.consent)
        )

    def apply(self, s: Session) -> None:
        dst, severity = s.dst, 1 if self.consent.allow_data_loss else 0
        with s.reporter.step("Apply model"):
            s.write(
                "Apply model",
                lambda: dst.apply_model(self.model, severity=severity),
                probe=lambda: model_digest(dst.get_model()),
                sent=model_digest(self.model),
            )

    def verify(self, s: Session) -> str:
        with s.reporter.step("Verify"):
            if s.dst.get_model() != self.model:
                raise VerifyFailed("Verify: the app's model differs from the one sent.")
            # a model apply rebuilds the configuration's object rows: the new baseline
            return s.ctx.live_fingerprint(s.dst)

    def success(self, s: Session) -> str:
        return f"Updated the model of {self.target.name} (verified)."
