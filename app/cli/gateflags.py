"""The command line's word for each gate: the flag that gives its consent. The engine says why a
gate applies in plain words; only the command line knows its flags, in this one table."""

from __future__ import annotations

from typing import Any, TextIO

from app.engine.gates import Gate

FLAGS: dict[Gate, str] = {
    Gate.INVALID: "",  # no consent lifts it: the model must change
    Gate.DATA_LOSS: "--allow-data-loss",
    Gate.PROTECTED: "--confirm {target}",
    Gate.STAGE_SKIPPED: "--allow-skip-stage",
    Gate.DRIFT: "--yes",
    Gate.STALE_PLAN: "",  # no consent lifts it: plan again
    Gate.LATER_WRITES: "--yes",
    Gate.MODEL_MISMATCH: "--config-only (or --model FILE with a restore)",
    Gate.SECURITY: '--accept-security "REASON"',
    Gate.UNVERIFIED_SOURCE: "--accept-unverified-source",
    Gate.OTHER_APP: "--allow-other-app",
}
NONE = {Gate.INVALID: "a model the target accepts", Gate.STALE_PLAN: "a new plan"}


def flag(gate: str | Gate, target: str) -> str:
    """The flag that consents to *gate* for *target* ("" when nothing does)."""
    return FLAGS[Gate(gate)].format(target=target)


def with_flags(doc: dict[str, Any], target: str) -> dict[str, Any]:
    """*doc* (a plan or a result, as JSON) with each gate's flag added, the nested plan's too."""
    out = dict(doc)
    if isinstance(out.get("gates"), list):
        out["gates"] = [g | {"flag": flag(g["gate"], target)} for g in out["gates"]]
    if isinstance(out.get("plan"), dict):
        out["plan"] = with_flags(out["plan"], target)
    return out


def print_gates(gates: list[dict[str, str]], target: str, out: TextIO, *, refused: bool = False) -> None:
    """One line per gate: what would lift it, and why it applies."""
    lead = "refused" if refused else "would be refused"
    for gate in gates:
        how = flag(gate["gate"], target) or NONE.get(Gate(gate["gate"]), "")
        print(f"  {lead} without {how}: {gate['message']}", file=out)
