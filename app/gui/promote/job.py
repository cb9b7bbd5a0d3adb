"""The engine call behind Plan and Promote…, as a job for the runner: the pickers' source, or a
release taken from it."""

from __future__ import annotations

from collections.abc import Callable

from app.engine.context import Context
from app.engine.events import CancelToken, Listener
from app.engine.ops.promote import promote
from app.engine.reads.plan import PromoteOptions
from app.engine.result import Result
from app.profile import Profile


def promotion(
    ctx: Context, source: Profile, target: Profile, options: PromoteOptions, release: str | None
) -> Callable[[Listener, CancelToken], Result]:
    def work(listen: Listener, cancel: CancelToken) -> Result:
        if release is None:
            return promote(ctx, source, target, options, listen, cancel)
        from app.engine.reads.releases import source_of

        origin, archived = source_of(ctx, release)
        return promote(ctx, origin, target, options, listen, cancel, archived=archived)

    return work
