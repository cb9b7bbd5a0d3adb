"""Single-target reads: check, export, versions, model validation. (Writes go through ``run.py``.)"""

from __future__ import annotations

from typing import Any

from app.archive import Entry
from app.backand.model import Model
from app.backand.quirks import KEPT_BY_SERVER
from app.configdoc.diff import ConfigDiff, diff_configs
from app.engine.context import Context
from app.engine.events import Listener, Reporter
from app.profile import Profile


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
    archived = ctx.archive.versions_archived(profile.name) | ctx.archive.versions_archived_for(
        profile.base_url, profile.app
    )
    # the server says nothing of when a version was saved: say when the promoter first saw it
    seen = ctx.history.versions_seen(profile.target_key, list(listed.newest_first))
    return {
        "profile": profile.name,
        "current": listed.current,
        "kept_by_server": KEPT_BY_SERVER,
        "versions": [
            {
                "version": v,
                "current": v == listed.current,
                "archived": v in archived,
                "first_seen": seen.get(v),
            }
            for v in listed.newest_first
        ],
    }


def validate_model(ctx: Context, profile: Profile, model: Model) -> dict[str, Any]:
    """Validate *model* on the app (read-only): the verdict, drops and the model diff."""
    from app.engine.modeldiff import Drops, diff_models
    from app.modelcheck import schema_errors

    local = schema_errors(model)
    with ctx.client(profile) as client:
        current = client.get_model()
        result = client.validate_fully(model, current)
    diff = diff_models(current, model)
    return {
        "profile": profile.name,
        "valid": result.valid,
        "warnings": result.warning_lines(),
        "local_errors": local,
        **Drops.of(result, diff).as_json(),
        "changes": diff.lines(),
    }


def compare(ctx: Context, old: Entry, new: Entry) -> ConfigDiff:
    """What loading archive entry *new* over *old* changes, long texts read back for reading."""
    from app.configdoc.fulltext import fill_texts

    diff = diff_configs(ctx.docs(old), ctx.docs(new))
    fill_texts(diff, ctx.archive.path_of(old), ctx.archive.path_of(new))
    return diff
