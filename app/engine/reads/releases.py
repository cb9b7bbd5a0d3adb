"""Taking a release (an environment's model and configuration, named and pinned in the archive)
and turning one into the source of a promotion (``plan.ArchivedSource``).

Taking one is read-only on the server: the model and the configuration are read, the zip archived
as kind ``release`` and pinned, and the environment's configuration compared with the drift
baseline (what the promoter last wrote and verified there): the release says whether it is exactly
that. Promoting one sends what was stored, whatever the environment holds since.
"""

from __future__ import annotations

import time

from app.archive import releases
from app.archive.releases import Release, check_name, check_note
from app.backand.model import model_digest
from app.configdoc.diff import comparable, fingerprint
from app.engine.context import Context
from app.engine.events import CancelToken, Listener, Reporter
from app.engine.history import current_user
from app.engine.reads.plan import ArchivedSource
from app.errors import UsageError
from app.profile import Profile


def default_name(profile: Profile, now: float | None = None) -> str:
    return f"{profile.name}-{time.strftime('%Y%m%d-%H%M%S', time.localtime(now or time.time()))}"


def check_new(ctx: Context, name: str, note: str | None, *, replace: bool = False) -> tuple[str, str]:
    """A new release's name and note, checked before anything is read: a bad name, a blank note or
    a name taken (without *replace*) is a UsageError."""
    name, note = check_name(name), check_note(note)
    if not replace and releases.exists(ctx.archive, name):
        taken = releases.get(ctx.archive, name)
        raise UsageError(
            f"Release {name} exists already (taken from {taken.source} on "
            f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(taken.created_at))}); choose another "
            "name, or replace it (--replace). Nothing was written."
        )
    return name, note


def create(
    ctx: Context,
    profile: Profile,
    name: str | None = None,
    note: str | None = None,
    *,
    replace: bool = False,
    listener: Listener | None = None,
    cancel: CancelToken | None = None,
) -> Release:
    """Take *profile*'s model and configuration as release *name* (pinned, kind ``release``)."""
    name, note = check_new(ctx, default_name(profile) if name is None else name, note, replace=replace)
    reporter = Reporter(listener, cancel)
    with reporter.step("Connect"):
        client = ctx.client(profile)
    with client:
        with reporter.step("Read model"):
            model = client.get_model()
        with reporter.step("Download configuration"):
            entry = ctx.download(
                client,
                profile,
                "release",
                reporter,
                "Download configuration",
                model=model,
                note=f"release {name}" + (f": {note}" if note else ""),
            )
    try:
        taken = fingerprint(ctx.docs(entry))
    finally:
        ctx.forget_docs()
    verified, state = _verified(ctx, profile, taken)
    reporter.log(f"release {name}: {state}", "info" if verified else "warning")
    release = Release(
        name=name,
        entry_id=entry.id,
        source=profile.name,
        base_url=profile.base_url,
        app=profile.app,
        stage=profile.stage,
        created_at=entry.created_at,
        user=current_user(),
        note=note,
        fingerprint=taken,
        model_digest=model_digest(model),
        verified=verified,
        state=state,
        version=entry.version or "",
    )
    if replace and releases.exists(ctx.archive, name):
        releases.remove(ctx.archive, name)
    releases.save(ctx.archive, release)
    return release


def _verified(ctx: Context, profile: Profile, taken: str) -> tuple[bool, str]:
    """Whether *profile* holds exactly what the promoter last wrote and verified there, in words."""
    base = ctx.history.baseline(profile.target_key)
    if base is None:
        return False, f"{profile.name} was never written by the promoter: no verified state to compare with"
    if not comparable(base.fingerprint):
        return (
            False,
            f"{profile.name} was last written by an older promoter (run #{base.run_id}): not comparable",
        )
    if base.fingerprint != taken:
        return (
            False,
            f"{profile.name} changed since run #{base.run_id}, the promoter's last verified write into it",
        )
    return True, f"{profile.name} held exactly what run #{base.run_id} wrote and verified"


def source_of(ctx: Context, name: str) -> tuple[Profile, ArchivedSource]:
    """The release *name* as a promotion's source: the environment it was taken from (this home's
    profile of that URL and app; else one made from the release's record, and the release is
    another app's: a gate) and its entry and model. A release whose entry or model is gone is
    refused."""
    release = releases.get(ctx.archive, name)
    entry = releases.entry_of(ctx.archive, release)
    recorded = Profile(name=release.source, base_url=release.base_url, app=release.app, stage=release.stage)
    here = [p for p in ctx.profiles.load() if p.target_key == recorded.target_key]
    foreign = ""
    if not here:
        foreign = (
            f"release {name} was taken from {release.app} at {release.base_url}, which is none of "
            "this home's environments"
        )
    source = here[0] if here else recorded
    unverified = "" if release.verified else release.state
    archived = ArchivedSource(
        entry,
        list(entry.model),
        release.label,
        release=name,
        foreign=foreign,
        unverified=unverified,
        expected=(release.fingerprint, release.model_digest),
    )
    return source, archived

