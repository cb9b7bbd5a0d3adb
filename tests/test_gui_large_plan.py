"""A plan of thousands of changes is added to the tree in slices: show_plan returns at once, the
window answers meanwhile, and the finished tree is the one a synchronous fill makes, checkboxes and
all (a realistic 35 MiB promotion stalled the window 450 ms filling it in one go)."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QTreeWidget

from app.engine.reads.planview import PlanView
from app.gui.widgets import diffview
from app.gui.widgets.diffview import SELECTOR


def big_plan(n: int = 6000) -> PlanView:
    details = []
    for i in range(n):
        if i % 4 == 0:
            columns = {c: [None, f"value {i}"] for c in ("Name", "Code", "WhereCondition")}
            details.append(
                {
                    "table": "Rule",
                    "key": f"o.action {i}",
                    "change": "added",
                    "category": "actions",
                    "columns": columns,
                }
            )
        else:
            details.append(
                {"table": "Field", "key": f"o{i}.f", "change": "added", "category": "fields", "columns": {}}
            )
    record = {"valid": "always", "config_details": details, "model_details": {"added_objects": ["x"]}}
    return PlanView.from_record(record)


def texts(tree: QTreeWidget) -> list[str]:
    out = []

    def walk(item):
        for i in range(item.childCount()):
            child = item.child(i)
            out.append(f"{child.text(0)}|{child.checkState(0) if child.data(0, SELECTOR) else ''}")
            walk(child)

    walk(tree.invisibleRootItem())
    return out


def test_a_large_plan_grows_in_slices_and_ends_as_a_whole_fill(qtbot, window):
    tab = window.promote_tab
    plan = big_plan()
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(5)
    started = time.perf_counter()
    tab.show_plan(plan)
    returned = time.perf_counter() - started
    assert tab.filler.running  # more is still to come
    qtbot.waitUntil(lambda: not tab.filler.running, timeout=30_000)
    timer.stop()
    assert returned < 1.0  # generous: only the first slice ran (measured: ~15 ms)
    assert len(ticks) > 5  # the event loop ran while the tree grew
    expected = QTreeWidget()
    for _ in diffview.plan_rows(expected, plan, on_row=tab.shaping.decorate_row):
        pass
    assert texts(tab.plan_tree) == texts(expected)
    rows = [tab.plan_tree.topLevelItem(2).child(0).child(i) for i in range(3)]
    assert all(r.checkState(0) == Qt.CheckState.Checked for r in rows)


def test_a_new_plan_replaces_one_still_growing(qtbot, window):
    tab = window.promote_tab
    tab.show_plan(big_plan())
    small = big_plan(8)
    tab.show_plan(small)  # a small plan is shown whole at once, the large one is dropped
    assert not tab.filler.running
    assert tab.plan_tree.topLevelItem(2).text(0) == "Configuration changes: 8"


def test_the_window_s_process_is_tuned_to_keep_answering(tmp_path):
    """run_gui sets the short switch interval and the collector settings (in its own process: they
    are process-wide, and a test suite's windows must not freeze each other's garbage)."""
    import subprocess
    import sys

    code = (
        "import gc, sys\n"
        "from pathlib import Path\n"
        "from app.gui.launch import run_gui\n"
        "from app.paths import Home\n"
        "from app.secrets import MemoryKeyring, SecretStore\n"
        f"run_gui(Home(Path({str(tmp_path)!r})), SecretStore(MemoryKeyring()), quit_after=0.1)\n"
        "print(sys.getswitchinterval(), gc.get_threshold()[0], gc.get_freeze_count() > 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-3:] == ["0.001", "20000", "True"]
