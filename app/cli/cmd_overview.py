"""``promoter overview``: the environments as a pipeline, read-only (the window's Overview tab)."""

from __future__ import annotations

import argparse
import time

from app.cli.exitcodes import Exit
from app.cli.output import print_json, stderr_listener
from app.engine.context import Context
from app.engine.reads.overview import Station, read_overview, station_freshness, step_freshness
from app.paths import Home
from app.secrets import SecretStore


def run(args: argparse.Namespace, home: Home) -> int:
    ctx = Context(home, SecretStore())
    try:
        overview = read_overview(ctx, stderr_listener(quiet=True), full=args.full)
    finally:
        ctx.close()
    if args.json:
        print_json(overview.as_json())
        return Exit.OK if all(s.reachable for s in overview.stations) else Exit.FAILED
    if not overview.stations:
        print("No environments yet: promoter profile add NAME --url URL --app APP")
        return Exit.OK
    steps = {(s.source, s.target): s for s in overview.steps}
    for index, station in enumerate(overview.stations):
        if not station.reachable:
            state = f"NOT REACHABLE: {station.error}"
        else:
            state = f"serves {station.version}"
            if station.last_write:
                when = time.strftime("%Y-%m-%d %H:%M", time.localtime(station.last_write["when"]))
                source = f" from {station.last_write['source']}" if station.last_write["source"] else ""
                state += f"; last {station.last_write['kind']}{source} {when}"
            state += "".join(f"; holds release {name}" for name in station.releases)
            state += "; DRIFTED" if station.drifted else ""
            state += "".join(f"; INCONSISTENT: {line}" for line in station.mismatch)
            state += f" ({station_freshness(station)})"
        print(f"{station.stage}. {station.name:<12} {station.app:<16} {state}")
        for line in home_lines(station):
            print(f"   {line}")
        if index + 1 < len(overview.stations):
            step = steps[(station.name, overview.stations[index + 1].name)]
            if step.error:
                what = f"cannot compare ({step.error})"
            elif step.equal:
                what = "equal"
            else:
                what = f"{step.model_changes} model, {step.config_changes} configuration changes"
            notes = ([f"{step.rules} rules applied"] if step.rules else []) + (
                [step_freshness(step)] if step.known else []
            )
            print(f"   ↓ {what}" + (f" ({'; '.join(notes)})" if notes else ""))
    return Exit.OK if all(s.reachable for s in overview.stations) else Exit.FAILED


def home_lines(station: Station) -> list[str]:
    """Restorability and the last drift check (read from the home): "restorable: AMBER, last proven
    restorable 2 days ago; no verified backup within 26 h"."""
    lines = []
    r = station.restorability
    if r is not None:
        mark = {"green": "ok", "amber": "AMBER", "red": "RED"}[r.state]
        lines.append(f"restorable: {mark}, {r.text}" + "".join(f"; {p}" for p in r.problems))
    if station.drift_check is not None:
        lines.append(
            ("DRIFT: " if station.drift_check["drifted"] else "drift: ") + station.drift_check["text"]
        )
    return lines
