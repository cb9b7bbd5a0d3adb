"""Emit Qt signals from Python without wearing down True and False; keep None alive as well.

PySide6 6.12 (at least) returns ``SignalInstance.emit()``'s bool without taking a reference to it,
so every emit from Python costs True or False one reference; after a few thousand (a long session,
a large transfer's progress events) the interpreter aborts ("bool_dealloc: deallocating True or
False"). :func:`emit` measures the loss once per process and gives the reference back when there
is one to give; on a PySide without the bug it is a plain emit.

The same PySide loses a reference to None on every call of a method that returns nothing
(``setToolTip``, ``setCheckState``, ``setData``…) and on ``data()`` of an unset role. None starts
with a few thousand references, so a plan of 7,500 changes decorated in the tree aborted the
interpreter ("none_dealloc"), and any long session would. No call site can be trusted to give them
back, so where the loss is measured, None, True and False are made as good as immortal, as Python
3.12 makes them: their reference counts are raised by 2**40, which no session can wear down. This
runs when :mod:`app.gui` is imported, before any window exists.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None


class _Probe(QObject):
    ping = Signal()


def _measure() -> bool:
    """Whether an emit loses a reference to its returned bool (measured over 20 emits; what the
    measurement cost is given back)."""
    probe: Any = _Probe()
    true_before, false_before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(20):
        result = probe.ping.emit()
        del result
    lost_true = true_before - sys.getrefcount(True)
    lost_false = false_before - sys.getrefcount(False)
    for _ in range(max(lost_true, 0)):
        _incref(True)
    for _ in range(max(lost_false, 0)):
        _incref(False)
    return lost_true + lost_false >= 20


LEAKS = _measure()
MARGIN = 1 << 40


def _void_calls_lose_none() -> bool:
    """Whether a Qt method that returns nothing costs None a reference (what was lost is given back)."""
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(20):
        probe.setObjectName("probe")
    lost = before - sys.getrefcount(None)
    for _ in range(max(lost, 0)):
        _incref(None)
    return lost >= 20


def _keep_alive(*objects: object) -> None:
    """Raise the reference counts of these singletons so far that lost references never free them
    (CPython before 3.12, whose PyObject starts with its Py_ssize_t reference count)."""
    for obj in objects:
        ctypes.c_ssize_t.from_address(id(obj)).value += MARGIN


VOID_LEAKS = _void_calls_lose_none()
IMMORTAL = sys.version_info >= (3, 12)  # None, True and False are immortal there: nothing to do
if not IMMORTAL and (LEAKS or VOID_LEAKS) and sys.getrefcount(None) < MARGIN:
    _keep_alive(None, True, False)


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``, and the bool it returns kept alive when PySide would drop it."""
    result = signal.emit(*args)
    if LEAKS and isinstance(result, bool):
        _incref(result)
