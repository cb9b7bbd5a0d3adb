"""Replace rules' regular expressions, run where they can be stopped.

Python's ``re`` backtracks: a pattern such as ``(?:[^@]+)+@`` takes exponential time on a text it
does not match, in C, holding the interpreter (no other thread runs, a cancel is never looked at, a
signal's handler runs but cannot stop it). So each regex replacement runs in a child process
(started once per shaping, on the first one), which is killed when the cell's time budget has
passed or the run is cancelled. Rules are also checked when they are made (:func:`backtracking`),
but only the budget bounds every pattern.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.errors import Cancelled, PromoterError, UsageError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

BUDGET_SECONDS = 5.0  # for one cell, plus a second per MiB of its text
START_SECONDS = 120.0  # for the child to start (a busy machine); a cancel still stops it at once
POLL_SECONDS = 0.05


class RegexRunner:
    """``re.subn`` in a child process, bounded in time and stopped by a cancel."""

    def __init__(self, cancelled: Callable[[], bool] | None = None, budget: float | None = None) -> None:
        self.cancelled = cancelled
        self.budget = BUDGET_SECONDS if budget is None else budget
        self._process: Any = None
        self._conn: Connection | None = None

    def __enter__(self) -> RegexRunner:
        return self

    def __exit__(self, kind: object, *_exc: object) -> None:
        self.close(kill=kind is not None)

    def subn(self, find: str, with_: str, text: str, where: str) -> tuple[str, int]:
        """*text* with *find* replaced by *with_*, and how many; *where* names the rule and the cell."""
        conn = self._started()
        conn.send((find, with_, text))
        seconds = self.budget + len(text) / (1 << 20)
        answer = self._wait(conn, seconds)
        if answer is None:
            raise UsageError(
                f"{where}: the regular expression {find!r} was stopped after {seconds:.0f} s on a "
                f"text of {len(text)} characters. It backtracks (a repetition inside a repetition, "
                "or alternatives that match the same text, tries every way of splitting a text it "
                "does not match). Simplify it, or remove the rule."
            )
        kind, value = answer
        if kind == "error":
            raise UsageError(f"{where}: the replacement {with_!r} for {find!r} is not valid ({value}).")
        text_out, count = value
        return str(text_out), int(count)

    def close(self, *, kill: bool = False) -> None:
        """Stop the child (the one this runner started), if it runs: at once when *kill* (it is
        busy), else when it has read the end of its pipe."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()  # the child reads the end of its pipe and returns
        if process is not None:
            process.join(0 if kill else 2)
            if process.is_alive():
                process.kill()
                process.join(5)

    def _started(self) -> Connection:
        if self._conn is not None:
            return self._conn
        import multiprocessing  # here: ~35 ms, and only a promotion with a regex rule needs it

        context = multiprocessing.get_context("spawn")  # no fork of a process that has threads
        conn, child = context.Pipe()
        self._process = context.Process(target=serve, args=(child,), name="promoter-regex", daemon=True)
        self._conn = conn
        self._process.start()
        child.close()
        if self._wait(conn, START_SECONDS) != "ready":
            self.close()
            raise PromoterError("The process that runs the rules' regular expressions did not start.")
        return conn

    def _wait(self, conn: Connection, seconds: float) -> Any:
        """The child's answer; None when *seconds* passed first (the child is then stopped)."""
        deadline = time.monotonic() + seconds
        while not conn.poll(POLL_SECONDS):
            if self.cancelled is not None and self.cancelled():
                self.close(kill=True)
                raise Cancelled()
            if self._process is None or not self._process.is_alive():
                self.close()
                raise PromoterError("The process that runs the rules' regular expressions ended.")
            if time.monotonic() > deadline:
                self.close(kill=True)
                return None
        try:
            return conn.recv()
        except EOFError:
            self.close()
            raise PromoterError("The process that runs the rules' regular expressions ended.") from None


def serve(conn: Connection) -> None:
    """The child: answer ``(find, with, text)`` with ``re.subn`` until the pipe is closed."""
    conn.send("ready")
    while True:
        try:
            find, with_, text = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", re.subn(find, with_, text)))
        except (re.error, IndexError) as exc:
            conn.send(("error", str(exc)))


def backtracking(pattern: str) -> str:
    """The part of *pattern* that repeats an unbounded repetition (``(?:[^@]+)+``), the shape that
    backtracks exponentially; "" when there is none (or when this Python's parser is not at hand)."""
    try:
        from re import _parser  # type: ignore[attr-defined]  # CPython's own, as re uses it
    except ImportError:  # pragma: no cover - other Pythons: the run-time budget still holds
        return ""
    try:
        parsed = _parser.parse(pattern)
    except re.error:
        return ""
    return _nested(parsed, _parser, False)


def _nested(items: Any, ops: Any, inside: bool) -> str:
    """*ops*: the parser's module, which re-exports the opcodes. Possessive repetitions and atomic
    groups never give back what they took, so they are not looked into."""
    for op, value in items:
        if op in (ops.MAX_REPEAT, ops.MIN_REPEAT):
            _low, high, body = value
            if high == ops.MAXREPEAT and inside:
                return "a repetition inside a repetition"
            found = _nested(body, ops, inside or high > 1)
            if found:
                return found
        elif op == ops.SUBPATTERN:
            found = _nested(value[-1], ops, inside)
            if found:
                return found
        elif op == ops.BRANCH:
            for branch in value[1]:
                found = _nested(branch, ops, inside)
                if found:
                    return found
    return ""
