"""Paired, interleaved timing: A B A B …, the ratio A/B pair by pair, reported as median with min–max.

A pair's two runs are next to each other in time, so a machine that slows down or speeds up between
pairs (these are shared machines) moves both; the ratio of each pair is taken before any median.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Paired:
    """Seconds of A and B for each pair, and the ratios A/B."""

    a: list[float] = field(default_factory=list)
    b: list[float] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [x / y for x, y in zip(self.a, self.b, strict=True)]

    def summary(self, target: float | None = None) -> dict[str, Any]:
        ratio = spread(self.ratios)
        out: dict[str, Any] = {
            "pairs": len(self.a),
            "a_s": spread(self.a),
            "b_s": spread(self.b),
            "ratio": ratio,
        }
        if target is not None:
            out["target"] = target
            out["met"] = ratio["median"] <= target
        return out


def spread(values: list[float]) -> dict[str, float]:
    """Median with min and max (rounded for the report)."""
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def paired(
    pairs: int,
    run_a: Callable[[], float],
    run_b: Callable[[], float],
    prepare: Callable[[], None] | None = None,
) -> Paired:
    """*pairs* pairs of A then B, alternating which goes first (A B, B A, …) so that neither always
    meets a cache warmed by the other; *prepare* runs before every run (a fresh server state)."""
    result = Paired()
    for i in range(pairs):
        order = ("a", "b") if i % 2 == 0 else ("b", "a")
        times: dict[str, float] = {}
        for which in order:
            if prepare is not None:
                prepare()
            times[which] = run_a() if which == "a" else run_b()
        result.a.append(times["a"])
        result.b.append(times["b"])
    return result


def text(summary: dict[str, Any], unit: str = "s") -> str:
    """``1.234 (1.1–1.4)`` for a spread."""
    return f"{summary['median']} {unit} ({summary['min']}–{summary['max']})".replace(" x", "×")
