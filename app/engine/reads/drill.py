"""Restore drills: prove that a backup restores, not only that its checksum holds.

Each environment's newest backup (an archive entry of kind ``backup``: model and configuration) is
loaded into a scratch app of a sandbox started in this process (loopback, port 0, a temporary data
folder under the home) through the real client, as a restore would (model apply, upload, reload),
downloaded back and compared: the model must come back equal, the configuration with the same rows
(what an import rewrites left out, ``configdoc.diff``), and the file must still hold the rows it held
when it was archived (``Archive.contents``, recorded by ``backups.back_up``): a file rewritten since,
its sha256 in the index rewritten with it, is named row by row. Nothing is written to any real
environment: the only server a drill talks to is its own sandbox.

The result is recorded on the backup (``Archive.record_drill``) and as a history run of kind
``drill`` (the scheduled job's failures reach ``schedule status`` and the window from there). A
drill that could not run (no backup, a sandbox that cannot start) is that environment's failed run,
but is not recorded on any backup: it proved nothing about one.
"""

from __future__ import annotations

import secrets as random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.archive import Entry
from app.backand import BackandClient, KeyCredentials
from app.configdoc.dataset import read_config_zip
from app.configdoc.diff import diff_configs, digest_changes, row_digests
from app.configdoc.zipcheck import check_config_zip
from app.engine.context import Context
from app.engine.events import CancelToken, Listener, Reporter
from app.engine.modeldiff import diff_models
from app.engine.result import describe
from app.errors import Cancelled, PromoterError
from app.profile import Profile

KIND = "drill"
SHOWN = 12  # differences named in a message (all of them are recorded)


CANCELLED = "cancelled"  # a drill the user stopped: neither passed nor failed


@dataclass
class DrillReport:
    profile: str
    # passed, failed (the backup did not restore as archived), error (no drill was run), cancelled
    status: str
    message: str = ""
    backup_id: int | None = None
    differences: list[str] = field(default_factory=list)
    seconds: float = 0.0
    run_id: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "passed"

    def as_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "status": self.status,
            "message": self.message,
            "backup_id": self.backup_id,
            "differences": self.differences,
            "seconds": round(self.seconds, 3),
            "run_id": self.run_id,
        }


class Scratch:
    """A sandbox of our own, with no apps until a drill asks for one."""

    def __init__(self, folder: Path, port: int = 0) -> None:
        from app.sandbox.server import SandboxServer

        self._server = SandboxServer(folder, port=port, seeder=_no_apps).start()
        self._count = 0

    def app(self) -> BackandClient:
        """A new, empty scratch app and a client for it (keys, as a profile with ``--auth keys``)."""
        from app.sandbox import configdocs

        self._count += 1
        name, master, user = f"drill-{self._count}", random.token_hex(16), random.token_hex(16)
        store = self._server.store
        settings = {"ConfigVersion": "0.0.1", "DisplayName": "restore drill"}
        store.create_app(
            name,
            900 + self._count,
            "restore drill",
            [],
            configdocs.render_app_doc(settings, [], [], []),
            configdocs.render_map_doc([]),
            master_token=master,
        )
        store.add_user(DRILL_USER, random.token_hex(8), "Restore drill")
        store.add_member(name, DRILL_USER, "Admin", user)
        return BackandClient(self._server.url, name, KeyCredentials(master, user), retries=0)

    def close(self) -> None:
        self._server.stop()


DRILL_USER = "drill@sandbox.local"


def _no_apps(_store: Any) -> None:
    """A drill's sandbox is seeded with nothing: each drill makes its own scratch app."""


@contextmanager
def scratch_sandbox(ctx: Context, port: int = 0) -> Iterator[tuple[Scratch, Path]]:
    """A sandbox in a temporary folder under the home, stopped and removed afterwards."""
    with tempfile.TemporaryDirectory(dir=ctx.home.tmp_dir, prefix="drill-") as folder:
        sandbox = Scratch(Path(folder) / "sandbox", port)
        try:
            yield sandbox, Path(folder)
        finally:
            sandbox.close()


def drill_all(
    ctx: Context,
    profiles: list[Profile],
    listener: Listener | None = None,
    *,
    port: int = 0,
    cancel: CancelToken | None = None,
) -> list[DrillReport]:
    """Drill each environment's newest backup, one after another, in one sandbox. A sandbox that
    cannot start (a port in use, a full disk) is every environment's report; nothing is lost. A
    *cancel* ends the drill under way at its next step and starts no other."""
    reports: list[DrillReport] = []
    try:
        with scratch_sandbox(ctx, port) as (sandbox, folder):
            for profile in profiles:
                if cancel is not None and cancel.is_set():
                    said = f"{profile.name}: cancelled before it began."
                    reports.append(DrillReport(profile.name, CANCELLED, said))
                    continue
                reports.append(drill(ctx, profile, sandbox, folder, Reporter(listener, cancel)))
    except (OSError, PromoterError) as exc:
        why = f"the drill's sandbox could not start ({describe(exc)}); the backups are unchanged"
        done = {r.profile for r in reports}
        reports += [_not_run(ctx, p, why, Reporter(listener)) for p in profiles if p.name not in done]
    return reports


def _not_run(ctx: Context, profile: Profile, why: str, reporter: Reporter) -> DrillReport:
    report = DrillReport(profile.name, "error", f"{profile.name}: no drill: {why}.")
    entry = _newest(ctx, profile)
    report.backup_id = entry.id if entry is not None else None
    report.run_id = ctx.history.start(KIND, None, profile.name, profile.target_key)
    _finish(ctx, report, reporter)
    return report


def _newest(ctx: Context, profile: Profile) -> Entry | None:
    try:
        return ctx.archive.newest_backup(profile.base_url, profile.app)
    except PromoterError:
        return None


def drill(ctx: Context, profile: Profile, sandbox: Scratch, folder: Path, reporter: Reporter) -> DrillReport:
    """One environment; every failure becomes its report (and records), never an exception."""
    started = time.monotonic()
    report = DrillReport(profile.name, "error")
    try:
        report.run_id = ctx.history.start(KIND, None, profile.name, profile.target_key)
        entry = ctx.archive.newest_backup(profile.base_url, profile.app)
        if entry is None:
            report.message = (
                f"{profile.name}: no backup to drill: run `promoter backup {profile.name}` first."
            )
        else:
            report.backup_id = entry.id
            with reporter.step(f"Drill backup #{entry.id} of {profile.name}"):
                report.differences = _differences(ctx, entry, sandbox, folder, reporter)
            report.status = "failed" if report.differences else "passed"
            report.message = _said(profile.name, entry, report.differences)
            ctx.archive.record_drill(entry.id, report.ok, report.message, report.differences, report.run_id)
    except _Unrestorable as exc:  # the backup itself cannot be loaded: a failed drill of it
        report.status, report.message = "failed", f"{profile.name}: backup #{report.backup_id}: {exc}"
        report.differences = [str(exc)]
        if report.backup_id is not None:
            ctx.archive.record_drill(
                report.backup_id, False, report.message, report.differences, report.run_id
            )
    except Cancelled:  # the user's word: no verdict on the backup, and no failure
        report.status = CANCELLED
        report.message = f"{profile.name}: drill cancelled; the backup is unchanged."
    except Exception as exc:
        report.message = f"{profile.name}: the drill could not run: {describe(exc)}"
    report.seconds = time.monotonic() - started
    _finish(ctx, report, reporter)
    return report


class _Unrestorable(Exception):
    """The backup fails its check, or the scratch app refuses it."""


def _differences(ctx: Context, entry: Entry, sandbox: Scratch, folder: Path, reporter: Reporter) -> list[str]:
    try:
        path = ctx.archive.path_for_upload(entry)  # re-hashed against the index, as a restore does
        docs = check_config_zip(path, collect=True).docs
    except PromoterError as exc:
        raise _Unrestorable(describe(exc)) from None
    assert docs is not None
    found: list[str] = []
    recorded = ctx.archive.contents(entry.id)
    if recorded is None:
        reporter.log(f"backup #{entry.id}: no record of its rows from archive time: round trip only")
    else:
        found += [f"changed since archived: {line}" for line in digest_changes(recorded, row_digests(docs))]
    back = folder / f"back-{entry.id}.zip"
    if entry.model is not None and not isinstance(entry.model, list):
        raise _Unrestorable(f"the model recorded with it is not a model ({str(entry.model)[:80]})")
    cancel = reporter.cancel
    with sandbox.app() as client, cancel.hooked(client.abort):  # (a scratch app: cut short at will)
        try:
            cancel.check()
            if entry.model is not None:
                client.apply_model(entry.model, severity=1)
            client.upload_config(path, f"{entry.app}.zip", cancel=cancel.is_set)
            cancel.check()
            client.reload_cache()
            cancel.check()
        except PromoterError as exc:
            cancel.check()  # a call the cancel cut short is the cancel's, not the backup's
            raise _Unrestorable(f"the scratch app refused it: {describe(exc)}") from None
        try:
            model = client.get_model()
            client.download_config(back, cancel=cancel.is_set)
        except PromoterError:
            cancel.check()
            raise
    try:
        if entry.model is not None and model != entry.model:
            found += [f"model: {line}" for line in diff_models(entry.model, model).lines()] or [
                "model: not the one restored"
            ]
        found += [f"round trip: {line}" for line in diff_configs(docs, read_config_zip(back)).lines()]
    finally:
        back.unlink(missing_ok=True)
    return found


def _said(name: str, entry: Entry, differences: list[str]) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.created_at))
    if not differences:
        return f"{name}: backup #{entry.id} ({when}) restores: model and configuration round-trip."
    shown = "; ".join(differences[:SHOWN]) + (
        f"; … {len(differences) - SHOWN} more" if len(differences) > SHOWN else ""
    )
    return f"{name}: backup #{entry.id} ({when}) does not restore as archived: {shown}"


def _finish(ctx: Context, report: DrillReport, reporter: Reporter) -> None:
    try:
        if report.run_id:
            ctx.history.finish(
                report.run_id,
                "succeeded" if report.ok else CANCELLED if report.status == CANCELLED else "failed",
                report.message,
                {"drill": report.status, "differences": report.differences},
                reporter.json_steps(),
                {"drilled": report.backup_id} if report.backup_id else {},
            )
    except Exception as exc:  # the outcome stands; say that its record is missing
        report.message += f" (history not written: {describe(exc)})"
    reporter.log(report.message, "info" if report.ok else "warning")


PERIODS = {"daily": 86400.0, "weekly": 7 * 86400.0}
SLACK = 3600.0  # a job that starts a little earlier than last time still counts as a period later


def due(ctx: Context, profiles: list[Profile], every: str, now: float | None = None) -> list[Profile]:
    """The environments whose last drill passed less than *every* ago are not due; every other one
    (never drilled, last drill failed or could not run, or older) is."""
    now = time.time() if now is None else now
    period = PERIODS[every] - SLACK
    out = []
    for profile in profiles:
        last = ctx.history.last_of(KIND, profile.name)
        if last is None or last.status != "succeeded" or now - last.started_at >= period:
            out.append(profile)
    return out
