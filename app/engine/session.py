"""What one write's steps share (:class:`Session`) and what an operation supplies to the runner
(:class:`Operation`): the runner (``ops/run.py``), the backup before a write (``ops/target_backup.py``)
and every write operation meet here, so none of them imports another to learn these shapes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from app.archive import Entry
from app.backand import BackandClient
from app.backand.errors import NetworkError, ServerError, TimeoutError_
from app.engine.context import Context
from app.engine.events import Reporter
from app.engine.result import Result
from app.engine.settle import settle
from app.profile import Profile
from app.settings import SETTLE_SECONDS

T = TypeVar("T")
GATEWAY = (502, 503, 504)  # a proxy answered: the server behind it may still carry the write out


@dataclass
class Session:
    """What the steps of one write share: the target's client, the reporter, the backup."""

    ctx: Context
    target: Profile
    reporter: Reporter
    result: Result
    client: BackandClient | None = None
    backup: Entry | None = None
    ids: dict[str, Any] = field(default_factory=dict)
    baseline: str | None = None  # the fingerprint the target holds after a verified write

    @property
    def dst(self) -> BackandClient:
        assert self.client is not None
        return self.client

    @property
    def run_id(self) -> int:
        return self.result.run_id

    def record(self, **ids: Any) -> None:
        """Archive ids for the history run, written at once (a run that dies keeps its backup id)."""
        self.ids.update(ids)
        self.ctx.history.set_archive_ids(self.run_id, self.ids)

    def write(
        self,
        name: str,
        action: Callable[[], T],
        *,
        probe: Callable[[], str] | None = None,
        sent: str = "",
    ) -> T | None:
        """One write. Recorded before it is sent (it may land even if no answer comes back); when
        the answer never comes, the target is settled with *probe* against *sent*."""
        self.result.written.append(name)
        try:
            return action()
        except (TimeoutError_, NetworkError, ServerError) as exc:
            unknown = isinstance(exc, TimeoutError_ | NetworkError) or exc.status in GATEWAY
            if probe is None or not unknown:
                raise
            seconds = self.ctx.settings.settle_seconds if self.ctx.settings else SETTLE_SECONDS
            landed = settle(
                probe,
                sent,
                require_landed=isinstance(exc, TimeoutError_) or exc.status == 504,
                seconds=seconds,
                reporter=self.reporter,
                what=name,
            )
            if landed is None:
                raise
            self.settled(name, landed)
            return None

    def settled(self, name: str, seconds: float) -> None:
        """A write whose answer was lost but which landed: said in its step, the result and history."""
        note = f"the answer was lost; the target held what was sent (settled after {seconds:.1f} s)"
        self.reporter.note(note)
        self.result.settled.append(f"{name}: {note}")


class Operation(Protocol):
    kind: str
    target: Profile
    versions_saved: int  # server versions the writes (and their undo) may save, hence evict

    @property
    def source_label(self) -> str | None: ...

    def prepare(self, s: Session) -> None: ...

    def apply(self, s: Session) -> None: ...

    def verify(self, s: Session) -> str: ...

    def success(self, s: Session) -> str: ...
