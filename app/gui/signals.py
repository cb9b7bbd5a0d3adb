"""Emit Qt signals from Python without wearing down True and False.

PySide6 6.12 (at least) returns ``SignalInstance.emit()``'s bool without taking a reference to it,
so every emit from Python costs True or False one reference; after a few thousand (a long session,
a large transfer's progress events) the interpreter aborts ("bool_dealloc: deallocating True or
False"). :func:`emit` measures the loss once per process and gives the reference back when there
is one to give; on a PySide without the bug it is a plain emit.
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


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``, and the bool it returns kept alive when PySide would drop it."""
    result = signal.emit(*args)
    if LEAKS and isinstance(result, bool):
        _incref(result)
