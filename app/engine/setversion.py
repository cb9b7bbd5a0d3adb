"""Set: make a saved server version current again, top to bottom, on the runner.

The version is archived first (the Set itself saves the current configuration as a version, which
can push the restored one off the server), so the verify has something to compare with.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.archive import Entry
from app.configdoc.diff import fingerprint
from app.engine.backup import VerifyFailed
from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.engine.gates import Consent, protected, raise_if
from app.engine.result import Result
from app.engine.run import Session, run_write
from app.profiles import Profile


def set_version(
    ctx: Context,
    profile: Profile,
    version: str,
    consent: Consent | None = None,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
) -> Result:
    return run_write(ctx, SetVersion(profile, version, consent or Consent()), listener, cancel)


@dataclass
class SetVersion:
    target: Profile
    version: str
    consent: Consent
    kind: str = "rollback"
    versions_saved: int = 2  # the Set and, if it fails, the undo's model apply
    wanted: Entry | None = None

    @property
    def source_label(self) -> str:
        return f"version {self.version}"

    def prepare(self, s: Session) -> None:
        raise_if(protected(self.target, self.consent))
        with s.reporter.step(f"Read version {self.version}"):
            self.wanted = s.ctx.download(
                s.dst,
                self.target,
                "version",
                s.reporter,
                f"Read version {self.version}",
                version=self.version,
                note=f"the version Set by run #{s.run_id}",
            )
            s.record(version=self.version, wanted=self.wanted.id)

    def apply(self, s: Session) -> None:
        dst = s.dst
        with s.reporter.step(f"Restore version {self.version}"):
            s.write(
                f"Restore version {self.version}",
                lambda: dst.restore_version(self.version),
                probe=lambda: s.ctx.live_fingerprint(dst),
                sent=fingerprint(s.ctx.docs(self.wanted)) if self.wanted else "",
            )
        with s.reporter.step("Clear cache"):
            s.write("Clear cache", dst.reload_cache)

    def verify(self, s: Session) -> str:
        assert self.wanted is not None
        with s.reporter.step("Verify"):
            after = s.ctx.download(
                s.dst, self.target, "export", s.reporter, "Verify", note=f"after run #{s.run_id}"
            )
            s.record(verify=after.id)
            now = fingerprint(s.ctx.docs(after))
            if now != fingerprint(s.ctx.docs(self.wanted)):
                raise VerifyFailed(f"Verify: {self.target.name} does not hold version {self.version}.")
        return now

    def success(self, s: Session) -> str:
        return f"{self.target.name} is now at version {self.version} (verified)."
