"""A quick run of the benchmark harness at tiny sizes, so that ``make bench`` cannot rot: the same
functions, the same processes (promoter, floor, warm worker, memory and GUI probes), 1 MiB."""

from __future__ import annotations

import pytest

from tests.bench import run
from tests.bench.overview import bench_overview
from tests.bench.paired import paired


def test_pairs_alternate_and_ratios_are_taken_pair_by_pair():
    order: list[str] = []
    clock = iter([1.0, 2.0, 4.0, 2.0, 3.0, 1.0])

    def a() -> float:
        order.append("a")
        return next(clock)

    def b() -> float:
        order.append("b")
        return next(clock)

    result = paired(3, a, b)
    assert order == ["a", "b", "b", "a", "a", "b"]
    assert result.a == [1.0, 2.0, 3.0] and result.b == [2.0, 4.0, 1.0]
    summary = result.summary(target=1.1)
    assert summary["ratio"] == {"median": 0.5, "min": 0.5, "max": 3.0} and summary["met"] is True


@pytest.mark.timeout(600)
def test_the_bench_runs_end_to_end_at_tiny_sizes(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "RESULTS", {"machine": run.machine()})
    rig = run.Rig(tmp_path)
    try:
        run.bench_promotion(rig, pairs=1, sizes=(1,))
        run.bench_memory(rig, runs=1, big=1)
        run.bench_gui(rig, runs=1, shapes=("synthetic",), mib=1)
        run.RESULTS["overview"] = [bench_overview(rig, mib=1, runs=1)]
    finally:
        rig.close()
    rows = run.RESULTS["promotion"]
    assert {(r["shape"], r["mode"]) for r in rows} == {
        (shape, mode) for shape in run.SHAPES for mode in ("cold process", "open window")
    } | {("realistic", "window, after its plan")}
    assert all(r["a_s"]["median"] > 0 and r["b_s"]["median"] > 0 for r in rows)
    assert all(m["status"] == "succeeded" for m in run.RESULTS["memory"])
    assert run.RESULTS["gui"][0]["ticks"]["median"] > 0
    text = run.report()
    assert "## 1. Promotion against the floor" in text and "## 3. GUI responsiveness" in text
    view = run.RESULTS["overview"][0]
    assert view["first"]["downloads"] == 3 and view["unchanged"]["downloads"] == 0
    assert view["one_changed"]["downloads"] == 1 and "## 8. The Overview reads only what changed" in text
