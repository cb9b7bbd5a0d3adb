"""A write whose answer never came: find out what the target holds before deciding anything.

A read timeout means the server got the request and may still be carrying it out (a model apply may
take minutes); a dropped connection means it may or may not have. Rolling back at once races the
write, which can land *after* the rollback. So the target is read again and again until two prompt
reads agree, within a bounded settle time:

- after a timeout, the write is awaited until the target holds what was sent (it landed); if it has
  not landed when the settle time is up, the outcome is :class:`OutcomeUnknown` (nothing is undone,
  since an undo could be overtaken by the late write);
- after a dropped connection, two agreeing reads settle it either way.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from app.backand.errors import BackandError
from app.engine.events import Reporter
from app.errors import PromoterError

PROMPT_SECONDS = 10.0  # a read slower than this does not count as a settled answer


class OutcomeUnknown(PromoterError):
    """A timed-out write did not show up on the target within the settle time: it may still land."""


def settle(
    probe: Callable[[], str],
    sent: str,
    *,
    require_landed: bool,
    seconds: float,
    reporter: Reporter,
    what: str,
) -> float | None:
    """Poll *probe* (a digest of the target's state): the seconds it took when the target holds
    *sent*, None when it settled without it."""
    started = time.monotonic()
    deadline = started + seconds
    last: str | None = None
    pause = 0.2
    reporter.log(f"{what}: no answer; waiting up to {seconds:g} s for the target to settle", "warning")
    while True:
        asked = time.monotonic()
        try:
            state: str | None = probe()
        except Exception as exc:
            text = exc.message if isinstance(exc, BackandError) else f"{type(exc).__name__}: {exc}"
            reporter.log(f"{what}: the target does not answer yet ({text})", "warning")
            state = None
        prompt = time.monotonic() - asked <= PROMPT_SECONDS
        if state is not None and prompt and state == last:
            if state == sent:
                took = time.monotonic() - started
                reporter.log(f"{what}: landed ({took:.1f} s after the timeout)")
                return took
            if not require_landed:
                reporter.log(f"{what}: settled; the write did not land")
                return None
        last = state if prompt else None
        now = time.monotonic()
        if reporter.cancel.is_set():
            raise OutcomeUnknown(
                f"{what}: the server never answered, and the wait for the target to settle was "
                "cancelled; the write may still land."
            )
        if now >= deadline:
            raise OutcomeUnknown(
                f"{what}: the server never answered and, {seconds:g} s later, the target does not "
                "hold what was sent; the write may still land."
            )
        time.sleep(min(pause, deadline - now))  # polling a remote server: nothing to wait on locally
        pause = min(pause * 2, 5.0)
