"""Single-target operations: check, export, versions, Set (server rollback), restore from a zip."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.archive import Entry
from app.backand.errors import BackandError, TooLargeError
from app.backand.streams import check_upload_size
from app.configdoc.diff import diff_configs, fingerprint
from app.configdoc.zipcheck import check_config_zip
from app.engine.context import Context
from app.engine.events import CancelToken, Listener, Reporter
from app.engine.lock import TargetLock
from app.errors import Cancelled, PromoterError, UsageError
from app.profiles import Profile


@dataclass
class OperationResult:
    status: str  # succeeded, failed, rolled_back, rollback_failed
    target: str
    message: str
    run_id: int
    backup_id: int | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return {"succeeded": 0, "failed": 1, "rolled_back": 1, "rollback_failed": 5}[self.status]

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "target": self.target,
            "message": self.message,
            "run_id": self.run_id,
            "backup_id": self.backup_id,
            "steps": self.steps,
        }


def check(ctx: Context, profile: Profile) -> dict[str, Any]:
    with ctx.client(profile) as client:
        app = client.get_app()
        status = client.app_status()
        versions = client.list_versions()
    return {
        "profile": profile.name,
        "app": profile.app,
        "base_url": profile.base_url,
        "status": status,
        "role": app.get("Role"),
        "title": app.get("Title"),
        "current_version": versions.current,
    }


def export(
    ctx: Context, profile: Profile, version: str | None = None, listener: Listener | None = None
) -> Entry:
    reporter = Reporter(listener)
    with ctx.client(profile) as client:
        model = client.get_model() if version is None else None
        return ctx.download(
            client,
            profile,
            "version" if version else "export",
            reporter,
            "Export",
            version=version,
            model=model,
        )


def versions(ctx: Context, profile: Profile) -> dict[str, Any]:
    with ctx.client(profile) as client:
        listed = client.list_versions()
    archived = ctx.archive.versions_archived(profile.name)
    return {
        "profile": profile.name,
        "current": listed.current,
        "kept_by_server": 5,
        "versions": [
            {"version": v, "current": v == listed.current, "archived": v in archived}
            for v in listed.newest_first
        ],
    }


def set_version(
    ctx: Context, profile: Profile, version: str, listener: Listener | None = None
) -> OperationResult:
    """ "Set": back up the current configuration, restore *version* on the server, clear the cache."""
    reporter = Reporter(listener)
    with TargetLock(ctx.home.locks_dir, profile.name), ctx.client(profile) as client:
        run_id = ctx.history.start("rollback", None, profile.name)
        result = OperationResult("failed", profile.name, "", run_id)
        ids: dict[str, Any] = {"version": version}
        try:
            backup = _backup(ctx, client, profile, reporter, run_id, f"before Set {version}")
            result.backup_id = ids["backup"] = backup.id
            with reporter.step(f"Restore version {version}"):
                client.restore_version(version)
            with reporter.step("Clear cache"):
                client.reload_cache()
            result.status, result.message = "succeeded", f"{profile.name} is now at version {version}."
        except (BackandError, Cancelled, PromoterError) as exc:
            result.message = f"{exc.message} ({profile.name} was not changed unless the restore step ran)."
        finally:
            result.steps = reporter.json_steps()
            ctx.history.finish(run_id, result.status, result.message, {"version": version}, result.steps, ids)
        return result


def _backup(ctx: Context, client: Any, profile: Profile, reporter: Reporter, run_id: int, note: str) -> Entry:
    """Download the current configuration into the archive as a backup kept for this run."""
    with reporter.step("Back up current configuration"):
        backup = ctx.download(
            client,
            profile,
            "backup",
            reporter,
            "Back up current configuration",
            model=client.get_model(),
            note=note,
        )
        ctx.archive.reference(backup.id, run_id, "backup")
        ctx.history.set_archive_ids(run_id, {"backup": backup.id})
    return backup


def resolve_zip(ctx: Context, source: str) -> tuple[Path, str]:
    """An archive entry id or a path to a zip; return the path and a label."""
    if source.isdigit():
        entry = ctx.archive.get(int(source))
        return ctx.archive.path_of(entry), f"archive entry #{entry.id}"
    path = Path(source).expanduser()
    if not path.exists():
        raise UsageError(f"{source} is neither an archive entry id nor an existing file.")
    return path, str(path)


def restore(
    ctx: Context,
    profile: Profile,
    source: str,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
) -> OperationResult:
    """Load a configuration zip into the app: check it, back up, upload, clear cache, verify."""
    reporter = Reporter(listener, cancel)
    path, label = resolve_zip(ctx, source)
    check_config_zip(path)
    try:
        check_upload_size(path, f"{profile.app}.zip")
    except TooLargeError as exc:
        raise UsageError(exc.message) from None
    with TargetLock(ctx.home.locks_dir, profile.name), ctx.client(profile) as client:
        run_id = ctx.history.start("restore", label, profile.name)
        result = OperationResult("failed", profile.name, "", run_id)
        ids: dict[str, Any] = {"source": source}
        wrote = False
        backup: Entry | None = None
        try:
            backup = _backup(ctx, client, profile, reporter, run_id, f"before restore of {label}")
            result.backup_id = ids["backup"] = backup.id
            with reporter.step("Upload configuration"):
                wrote = True
                client.upload_config(
                    path,
                    f"{profile.app}.zip",
                    progress=reporter.progress("Upload configuration"),
                    cancel=reporter.cancel.is_set,
                )
            with reporter.step("Clear cache"):
                client.reload_cache()
            with reporter.step("Verify"):
                after = ctx.download(
                    client, profile, "export", reporter, "Verify", note=f"after restore of {label}"
                )
                from app.configdoc.dataset import read_config_zip

                left = diff_configs(read_config_zip(path), ctx.docs(after))
                if not left.empty:
                    raise PromoterError(
                        "Verify: the app does not hold the restored configuration: "
                        + "; ".join(left.lines()[:5])
                    )
            result.status, result.message = "succeeded", f"Restored {label} into {profile.name}."
        except (BackandError, Cancelled, PromoterError) as exc:
            if wrote and backup is not None:
                _undo_restore(ctx, client, profile, backup, reporter, result, exc)
            else:
                result.message = f"{exc.message} Nothing was written to {profile.name}."
        finally:
            result.steps = reporter.json_steps()
            ctx.history.finish(run_id, result.status, result.message, {"source": label}, result.steps, ids)
        return result


def _undo_restore(
    ctx: Context,
    client: Any,
    profile: Profile,
    backup: Entry,
    reporter: Reporter,
    result: OperationResult,
    cause: PromoterError,
) -> None:
    reporter.cancel = CancelToken()  # a rollback is not cancellable
    try:
        with reporter.step("Roll back configuration", cancellable=False):
            client.upload_config(ctx.archive.path_of(backup), f"{profile.app}.zip")
            client.reload_cache()
            check = ctx.download(client, profile, "export", reporter, "Verify rollback")
            if fingerprint(ctx.docs(check)) != fingerprint(ctx.docs(backup)):
                raise PromoterError("the configuration is not the backed-up one")
    except (BackandError, PromoterError) as exc:
        result.status = "rollback_failed"
        result.message = (
            f"FAILED and the rollback FAILED too ({exc.message}); {profile.name} may be "
            f"inconsistent. Restore backup #{backup.id} by hand."
        )
        return
    result.status = "rolled_back"
    result.message = f"{cause.message} Rolled back: {profile.name} is as before (backup #{backup.id})."


def validate_model(ctx: Context, profile: Profile, model: list[dict[str, Any]]) -> dict[str, Any]:
    """Validate *model* on the app (read-only): the verdict, drops and the model diff."""
    from app.engine.modeldiff import diff_models
    from app.engine.plan import validate as validate_on
    from app.modelcheck import schema_errors

    local = schema_errors(model)
    with ctx.client(profile) as client:
        current = client.get_model()
        result = validate_on(client, model, current)
    diff = diff_models(current, model)
    return {
        "profile": profile.name,
        "valid": result.valid,
        "warnings": result.warning_lines(),
        "local_errors": local,
        "dropped_tables": sorted(set(result.dropped_tables) | set(diff.dropped_tables)),
        "dropped_columns": [
            {"table": t, "column": c}
            for t, c in sorted(set(result.dropped_columns) | set(diff.dropped_columns))
        ],
        "changes": diff.lines(),
    }


def apply_model(
    ctx: Context,
    profile: Profile,
    model: list[dict[str, Any]],
    *,
    allow_data_loss: bool = False,
    listener: Listener | None = None,
) -> OperationResult:
    """ "Validate & Update" with the promoter's safety: gates, a backup first, a rollback on failure."""
    from app.errors import SafetyRefusal

    check_result = validate_model(ctx, profile, model)
    if check_result["valid"] == "never":
        raise SafetyRefusal(
            f"{profile.name} refuses this model as invalid: " + "; ".join(check_result["warnings"])
        )
    loses = (
        check_result["valid"] == "data" or check_result["dropped_tables"] or check_result["dropped_columns"]
    )
    if loses and not allow_data_loss:
        drops = [f"table {t}" for t in check_result["dropped_tables"]]
        drops += [f"column {c['table']}.{c['column']}" for c in check_result["dropped_columns"]]
        raise SafetyRefusal(
            f"The model change loses data ({', '.join(drops) or 'type changes'}); pass --allow-data-loss."
        )
    reporter = Reporter(listener)
    with TargetLock(ctx.home.locks_dir, profile.name), ctx.client(profile) as client:
        run_id = ctx.history.start("model", None, profile.name)
        result = OperationResult("failed", profile.name, "", run_id)
        ids: dict[str, Any] = {}
        before = client.get_model()
        backup = _backup(ctx, client, profile, reporter, run_id, "before a model update")
        result.backup_id = ids["backup"] = backup.id
        touched = False
        try:
            with reporter.step("Apply model"):
                touched = True
                client.apply_model(model, severity=1 if allow_data_loss else 0)
            with reporter.step("Verify"):
                if client.get_model() != model:
                    raise PromoterError("Verify: the app's model differs from the one sent.")
            result.status, result.message = "succeeded", f"Updated the model of {profile.name}."
        except (BackandError, Cancelled, PromoterError) as exc:
            if not touched:
                result.message = f"{exc.message} Nothing was written to {profile.name}."
            else:
                reporter.cancel = CancelToken()
                try:
                    with reporter.step("Roll back model", cancellable=False):
                        if client.get_model() != before:
                            client.apply_model(before, severity=1)
                        client.upload_config(ctx.archive.path_of(backup), f"{profile.app}.zip")
                        client.reload_cache()
                    result.status = "rolled_back"
                    result.message = (
                        f"{exc.message} Rolled back: {profile.name} is as before (backup #{backup.id})."
                    )
                except (BackandError, PromoterError) as undo:
                    result.status = "rollback_failed"
                    result.message = (
                        f"FAILED and the rollback FAILED too ({undo.message}); {profile.name} may be "
                        f"inconsistent. Restore backup #{backup.id} by hand."
                    )
        finally:
            result.steps = reporter.json_steps()
            ctx.history.finish(
                run_id, result.status, result.message, {"model_objects": len(model)}, result.steps, ids
            )
        return result
