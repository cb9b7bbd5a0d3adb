"""Set: make a saved server version current again, top to bottom, on the runner.

The plan reads the version into the archive first (the Set itself saves the current configuration
as a version, which can push the restored one off the server), so the verify has something to
compare with; a version carries no model, so the plan checks it against the target's model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.configdoc.diff import fingerprint
from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.engine.gates import Consent
from app.engine.ops import under_lock
from app.engine.ops.run import run_write
from app.engine.ops.safety_backup import VerifyFailed
from app.engine.reads.writeplan import WritePlan, WriteSource
from app.engine.result import Result
from app.engine.session import Session
from app.kinds import WriteKind
from app.profile import Profile


def version_source(version: str) -> WriteSource:
    return WriteSource(
        f"version {version}", version=version, no_model_reason="a server version carries no model"
    )


def set_version(
    ctx: Context,
    profile: Profile,
    version: str,
    consent: Consent | None = None,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
    *,
    expect_stamp: str | None = None,
) -> Result:
    op = SetVersion(profile, version, consent or Consent(), expect_stamp)
    return run_write(ctx, op, listener, cancel)


@dataclass
class SetVersion:
    target: Profile
    version: str
    consent: Consent
    expect_stamp: str | None = None
    kind: str = WriteKind.SET  # (recorded as "rollback", kept for the runs already recorded)
    versions_saved: int = 2  # the Set and, if it fails, the undo's model apply
    plan: WritePlan | None = field(default=None, repr=False)

    @property
    def source_label(self) -> str:
        return f"version {self.version}"

    def prepare(self, s: Session) -> None:
        self.plan = under_lock.prepare(
            s, self.kind, version_source(self.version), self.consent, self.expect_stamp
        )
        if self.plan.version_entry is not None:
            s.record(version=self.version, wanted=self.plan.version_entry.id)

    def apply(self, s: Session) -> None:
        assert self.plan is not None and self.plan.version_entry is not None
        dst, wanted = s.dst, self.plan.version_entry
        with s.reporter.step(f"Restore version {self.version}"):
            s.write(
                f"Restore version {self.version}",
                lambda: dst.set_version(self.version),
                probe=lambda: s.ctx.live_fingerprint(dst),
                sent=fingerprint(s.ctx.docs(wanted)),
            )
        with s.reporter.step("Clear cache"):
            s.write("Clear cache", dst.reload_cache)

    def verify(self, s: Session) -> str:
        assert self.plan is not None and self.plan.version_entry is not None
        with s.reporter.step("Verify"):
            after = s.ctx.download(
                s.dst, self.target, "export", s.reporter, "Verify", note=f"after run #{s.run_id}"
            )
            s.record(verify=after.id)
            now = fingerprint(s.ctx.docs(after))
            if now != fingerprint(s.ctx.docs(self.plan.version_entry)):
                raise VerifyFailed(f"Verify: {self.target.name} does not hold version {self.version}.")
        return now

    def success(self, s: Session) -> str:
        return f"{self.target.name} is now at version {self.version} (verified)."
