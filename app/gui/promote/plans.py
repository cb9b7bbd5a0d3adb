"""The plans the Promote tab keeps: each pair's last plan, typed, with the time it was made; a plan
is offered for confirmation for :data:`PLAN_LIFETIME` seconds, an older one is made again."""

from __future__ import annotations

import time
from dataclasses import dataclass

from app.engine.reads.plan import Plan
from app.engine.reads.planview import PlanView
from app.engine.result import Result, Status

PLAN_LIFETIME = 600.0  # seconds a plan is offered for confirmation; an older one is made again
Pair = tuple[str, str]  # (source, target) by name


@dataclass(frozen=True)
class Planned:
    """A pair's plan as the tab keeps it: the run that made it (its typed plan) and when."""

    result: Result
    at: float

    @property
    def plan(self) -> Plan:
        assert isinstance(self.result.planned, Plan)
        return self.result.planned

    @property
    def view(self) -> PlanView:
        return PlanView.of(self.plan)

    @classmethod
    def of(cls, result: Result) -> Planned | None:
        if result.status != Status.DRY_RUN or not isinstance(result.planned, Plan):
            return None
        return cls(result, time.time())


class Plans(dict[Pair, Planned]):
    """Each pair's last plan."""

    def recent(self, pair: Pair) -> Planned | None:
        """The plan of *pair* made in the last 10 minutes, if any (promote confirms on it)."""
        planned = self.get(pair)
        return planned if planned is not None and time.time() - planned.at < PLAN_LIFETIME else None

    def keep(self, result: Result) -> Planned | None:
        """Keep the plan a run made (a write forgets its pair's plan); return it."""
        planned = Planned.of(result)
        if result.source and planned is not None:
            self[(result.source, result.target)] = planned
        elif result.source:
            self.pop((result.source, result.target), None)
        return planned
