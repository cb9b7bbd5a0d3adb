"""The Overview's cost (issue 22): three environments holding the same realistic configuration,
``promoter overview --json`` in a new process each time: the first read (nothing kept yet), reads
with nothing changed, and reads after one environment changed (a new object added to qa's model
before each of those reads: its model, label and version list move, as a colleague's change would). Seconds, configuration downloads (each one an export the server builds) and MiB downloaded,
counted from the sandbox's request log."""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any

import requests

from app.backand import BackandClient, PasswordLogin
from app.profile import Profile
from app.profiles import ProfileStore
from app.sandbox import seed

if TYPE_CHECKING:
    from tests.bench.run import Rig

TARGETS = {10: 0.5, 35: 1.0}  # seconds for a read with nothing changed


def _client(rig: Rig, app: str) -> BackandClient:
    client = BackandClient(rig.url, app, PasswordLogin(seed.ADMIN[0]))
    client.sign_in(seed.ADMIN[1])
    return client


def _downloads(rig: Rig) -> int:
    calls = requests.get(f"{rig.url}/_sandbox/requests", timeout=10).json()
    return sum(1 for c in calls if c["path"] == "/1/app/download")


def bench_overview(rig: Rig, mib: int = 35, runs: int = 3) -> dict[str, Any]:
    from tests.bench.run import PY, wall

    rig.prepare(mib, "realistic")
    for app in ("shop-qa", "shop-prod"):
        with _client(rig, app) as client:
            client.upload_config(rig.zip_of(mib, "realistic"))
            client.reload_cache()
    keys = requests.get(f"{rig.url}/_sandbox/apps/shop-prod/keys", timeout=10).json()
    prod = ProfileStore(rig.home.profiles_file).upsert(
        Profile(name="prod", base_url=rig.url, app="shop-prod", auth="keys", stage=3)
    )
    rig.secrets.set(prod, f"{keys['master_token']}:{keys['user_token']}")
    export_mib = rig.zip_of(mib, "realistic").stat().st_size / 1048576
    cmd = [PY, "-m", "app", "--home", str(rig.home.root), "overview", "--json"]

    def measured() -> tuple[float, int]:
        requests.delete(f"{rig.url}/_sandbox/requests", timeout=10).raise_for_status()
        seconds = wall(cmd)
        return seconds, _downloads(rig)

    def row(samples: list[tuple[float, int]]) -> dict[str, Any]:
        times = [s for s, _ in samples]
        loads = statistics.median(n for _, n in samples)
        return {
            "s": {
                "median": round(statistics.median(times), 3),
                "min": round(min(times), 3),
                "max": round(max(times), 3),
            },
            "downloads": loads,
            "mib": round(loads * export_mib, 1),
        }

    try:
        first = [measured()]
        unchanged = [measured() for _ in range(runs)]
        changed = []
        for run in range(runs):
            with _client(rig, "shop-qa") as client:  # a change behind the promoter's back, every run
                model = client.get_model()
                client.apply_model([*model, {"name": f"bench{run}", "fields": {"title": {"type": "string"}}}])
            changed.append(measured())
    finally:
        rig.secrets.delete(prod)
    result = {
        "mib": mib,
        "first": row(first),
        "unchanged": row(unchanged),
        "one_changed": row(changed),
        "target_s": TARGETS.get(mib),
    }
    target = result["target_s"]
    result["met"] = (
        None
        if target is None
        else result["unchanged"]["s"]["median"] <= target and result["unchanged"]["downloads"] == 0
    )
    return result


def report_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## 8. The Overview reads only what changed",
        "",
        "`promoter overview --json`, a new process each time, three environments holding the same "
        "realistic configuration; downloads are export builds on the server (the sandbox's request log).",
        "",
        "| size | read | seconds (median, min–max) | configuration downloads | MiB downloaded |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        for name, label in (
            ("first", "first"),
            ("unchanged", "nothing changed"),
            ("one_changed", "one changed"),
        ):
            s = r[name]["s"]
            lines.append(
                f"| {r['mib']} MiB | {label} | {s['median']} ({s['min']}–{s['max']}) | "
                f"{r[name]['downloads']} | {r[name]['mib']} |"
            )
    for r in rows:
        if r.get("target_s") is not None:
            lines.append(
                f"\nAt {r['mib']} MiB, nothing changed: target {r['target_s']} s and 0 downloads: "
                + ("met" if r["met"] else "MISSED")
                + "."
            )
    return [*lines, ""]
