"""Emitting signals from Python must not wear down True and False (PySide6 6.12 loses a reference
to the bool emit() returns; a long session's progress events made the interpreter abort)."""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QObject, Signal

from app.gui.runtime import pyside_refs

# From Python 3.12 (PEP 683) None, True and False are immortal: their reference counts never change,
# so a reference PySide loses can neither free them nor be seen by sys.getrefcount. These tests
# would pass there whatever emit() does; they run where the bug can exist.
MORTAL_SINGLETONS = pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="None, True and False are immortal on Python 3.12+: a lost reference cannot free or be seen",
)


class Source(QObject):
    ping = Signal(object)


def bools() -> int:
    return sys.getrefcount(True) + sys.getrefcount(False)


@MORTAL_SINGLETONS
def test_emit_through_the_helper_keeps_true_and_false(qapp):
    source = Source()
    received: list[object] = []
    source.ping.connect(received.append)
    before = bools()
    for index in range(5000):
        pyside_refs.emit(source.ping, index)
    assert len(received) == 5000
    assert abs(bools() - before) < 50


@MORTAL_SINGLETONS
def test_the_measurement_matches_this_pyside(qapp):
    source = Source()
    true_before, false_before = sys.getrefcount(True), sys.getrefcount(False)
    for index in range(100):
        source.ping.emit(index)  # the raw call, on purpose
    lost_true = true_before - sys.getrefcount(True)
    lost_false = false_before - sys.getrefcount(False)
    for _ in range(max(lost_true, 0)):  # give them back, or the interpreter aborts at exit
        pyside_refs._incref(True)
    for _ in range(max(lost_false, 0)):
        pyside_refs._incref(False)
    assert (lost_true + lost_false >= 100) == pyside_refs.LEAKS


@MORTAL_SINGLETONS
def test_none_outlives_thousands_of_calls_that_lose_a_reference(qapp):
    """Decorating a plan of 7,500 changes made ~30,000 calls that each cost None a reference with
    PySide6 6.12 (it aborted the window); whatever this PySide does, None stays alive."""
    from PySide6.QtWidgets import QTreeWidgetItem

    item = QTreeWidgetItem(["x"])
    before = sys.getrefcount(None)
    for _ in range(50_000):
        item.setToolTip(0, "t")
        item.data(0, 1000)  # unset role: returns None
    assert sys.getrefcount(None) > 1_000_000 or before - sys.getrefcount(None) < 50
    if pyside_refs.VOID_LEAKS and not pyside_refs.IMMORTAL:
        assert sys.getrefcount(None) > pyside_refs.MARGIN // 2
