"""``make bench``: the figures of docs/benchmarks.md, each measured beside its reference in the same
run and reported as a ratio or against its target. Writes docs/benchmarks.md and docs/benchmarks.json.

Needs a Secret Service (run under tests/tools/with-keyring.sh, as make bench does).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from app.paths import Home
from app.profiles import Profile, ProfileStore
from app.sandbox import seed
from app.secrets import SecretStore
from tests.bench.paired import paired
from tests.bench.realistic import write_realistic_zip
from tests.helpers import REPO, SHARED_FIXTURES, SandboxProcess, big_config_zip

PY = sys.executable
RESULTS: dict[str, Any] = {}


def machine() -> dict[str, Any]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return {
        "host": platform.node(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mib": mem,
        "python": platform.python_version(),
        "os": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def wall(cmd: list[str], env: dict[str, str] | None = None, cwd: Path = REPO) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} failed: {done.stderr[-800:]}")
    return elapsed


def median_of(n: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(n))


class Rig:
    """A sandbox process and a home with key profiles dev and qa (keys change at each reset)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sandbox = SandboxProcess(root / "sandbox-home")
        self.url = self.sandbox.url
        self.home = Home(root / "home")
        self.secrets = SecretStore()
        self.zips: dict[tuple[int, str], Path] = {}

    def fresh_home(self) -> None:
        """A new home for every measured run: no archive, no history, no drift to compute."""
        shutil.rmtree(self.home.root, ignore_errors=True)
        self.home.ensure()
        store = ProfileStore(self.home.profiles_file)
        for name, app, stage in (("dev", "shop-dev", 1), ("qa", "shop-qa", 2)):
            saved = store.upsert(Profile(name=name, base_url=self.url, app=app, auth="keys", stage=stage))
            if name in self.keys:  # a new profile id each time: its secret is stored again
                self.secrets.set(saved, self.keys[name])

    def zip_of(self, mib: int, shape: str) -> Path:
        if (mib, shape) not in self.zips:
            dest = self.root / f"config-{shape}-{mib}.zip"
            make = write_realistic_zip if shape == "realistic" else big_config_zip
            self.zips[(mib, shape)] = make(dest, mib)
        return self.zips[(mib, shape)]

    def prepare(self, mib: int, shape: str = "synthetic", fresh: bool = True) -> dict[str, str]:
        """Reset the sandbox, load a *mib* MiB configuration of *shape* (``synthetic``: one random
        action body; ``realistic``: tests/bench/realistic.py) into dev; return the apps' keys."""
        requests.post(f"{self.url}/_sandbox/reset", timeout=60).raise_for_status()
        keys = {}
        from app.backand import BackandClient, PasswordLogin

        client = BackandClient(self.url, "shop-dev", PasswordLogin(seed.ADMIN[0]))
        client.sign_in(seed.ADMIN[1])
        client.upload_config(self.zip_of(mib, shape))
        client.reload_cache()
        client.close()
        for app, name in (("shop-dev", "dev"), ("shop-qa", "qa")):
            state = requests.get(f"{self.url}/_sandbox/apps/{app}/keys", timeout=10).json()
            keys[name] = f"{state['master_token']}:{state['user_token']}"
        self.keys = keys
        if fresh:
            self.fresh_home()
        else:  # the same home (a running promoter's): only the new keys are stored
            for profile in ProfileStore(self.home.profiles_file).load():
                self.secrets.set(profile, keys[profile.name])
        return keys

    def close(self) -> None:
        self.sandbox.stop()
        for profile in ProfileStore(self.home.profiles_file).load():
            self.secrets.delete(profile)


PROMOTION_TARGETS = {10: 1.15, 35: 1.10}  # cold process; from the open window: 1.10 at both


def promote_cmd(rig: Rig) -> list[str]:
    return [PY, "-m", "app", "--home", str(rig.home.root), "promote", "dev", "qa", "--yes", "--json"]


def floor_cmd(rig: Rig, keys: dict[str, str], work: Path) -> list[str]:
    return [PY, "-m", "tests.bench.floor", rig.url, keys["dev"], keys["qa"], str(work)]


SHAPES = ("synthetic", "realistic")


def bench_promotion(
    rig: Rig, pairs: int = 10, sizes: tuple[int, ...] = (10, 35), shapes: tuple[str, ...] = SHAPES
) -> None:
    """A cold ``promoter promote`` against the floor, paired, for each shape and size."""
    rows = []
    keys: dict[str, str] = {}  # the apps' keys of the run about to start (new at every reset)
    for shape in shapes:
        for mib in sizes:

            def prepare(mib: int = mib, shape: str = shape) -> None:
                keys.update(rig.prepare(mib, shape))

            def ours() -> float:
                return wall(promote_cmd(rig), env={"PROMOTER_HOME": ""})

            def floor() -> float:
                work = Path(tempfile.mkdtemp(dir=rig.root))
                try:
                    return wall(floor_cmd(rig, keys, work))
                finally:
                    shutil.rmtree(work)

            result = paired(pairs, ours, floor, prepare)
            target = PROMOTION_TARGETS.get(mib) if shape == "synthetic" else None
            row = {"shape": shape, "mib": mib, "mode": "cold process", **result.summary(target)}
            rows.append(row)
            print(f"promotion {shape} {mib} MiB: {row}", flush=True)
    rows += bench_warm_promotion(rig, pairs, sizes, shapes)
    RESULTS["promotion"] = rows


def bench_warm_promotion(
    rig: Rig, pairs: int, sizes: tuple[int, ...], shapes: tuple[str, ...]
) -> list[dict[str, Any]]:
    """A promotion started from an already-running promoter (as from the open window: imports,
    keyring and archive paid once per process) against the floor run in a process just as warm."""
    rows = []
    worker = subprocess.Popen(
        [PY, "-m", "tests.bench.warm_worker", str(rig.home.root), rig.url],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdin is not None and worker.stdout is not None

    def ask(line: str) -> float:
        assert worker.stdin is not None and worker.stdout is not None
        worker.stdin.write(line + "\n")
        worker.stdin.flush()
        answer = worker.stdout.readline().strip()
        if not answer.startswith("ok "):
            raise RuntimeError(f"warm worker: {answer!r}")
        return float(answer.split()[1])

    keys: dict[str, str] = {}
    try:
        for shape in shapes:
            for mib in sizes:

                def prepare(mib: int = mib, shape: str = shape) -> None:
                    keys.update(rig.prepare(mib, shape, fresh=False))
                    ask("reset")

                keys.update(rig.prepare(mib, shape))  # a new home for this size, kept for its pairs
                ask("promote")  # a first promotion in this process, not counted (the window's first)
                result = paired(
                    pairs, lambda: ask("promote"), lambda: ask(f"floor {keys['dev']} {keys['qa']}"), prepare
                )
                target = 1.10 if shape == "synthetic" else None
                row = {"shape": shape, "mib": mib, "mode": "open window", **result.summary(target)}
                rows.append(row)
                print(f"promotion {shape} {mib} MiB: {row}", flush=True)
    finally:
        worker.stdin.close()
        worker.wait(timeout=60)
    return rows


def bench_memory(rig: Rig) -> None:
    rows = []
    for mib in (1, 35):
        rig.prepare(mib)
        out = subprocess.run(
            [PY, "-m", "tests.bench.memory_probe", str(rig.home.root)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        data = json.loads(out.stdout.strip().splitlines()[-1])
        growth = data["growth"] / 1048576
        rows.append(
            {
                "mib": mib,
                "rss_before_mib": round(data["rss_before"] / 1048576, 1),
                "peak_mib": round(data["peak"] / 1048576, 1),
                "growth_mib": round(growth, 1),
                "status": data["status"],
                "target": "< 25 MiB at 35 MiB",
                "met": growth < 25 if mib == 35 else None,
            }
        )
        print(f"memory {mib} MiB: growth {growth:.1f} MiB ({data['status']})", flush=True)
    RESULTS["memory"] = rows


def bench_gui(rig: Rig) -> None:
    rig.prepare(35)
    out = subprocess.run(
        [PY, "-m", "tests.bench.gui_probe", str(rig.home.root)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    data["met"] = bool(
        data["max_gap_ms"] is not None and data["max_gap_ms"] <= 50 and data["p99_gap_ms"] <= 20
    )
    data["target"] = "max gap <= 50 ms, p99 <= 20 ms"
    RESULTS["gui"] = data
    print(f"gui: {data}", flush=True)


def first_window(cmd: list[str], home: Path) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PROMOTER_BENCH_SHOWN": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*cmd, "--home", str(home), "gui", "--quit-after", "0.2"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("window shown"):
            elapsed = time.perf_counter() - started
            break
    else:
        raise RuntimeError("the window was never shown")
    proc.wait(timeout=60)
    proc.stdout.close()
    return elapsed


def bench_startup(root: Path) -> None:
    base = median_of(15, lambda: wall([PY, "-c", "pass"]))
    version = median_of(15, lambda: wall([PY, "-m", "app", "--version"]))
    home = Home(root / "startup-home").ensure()
    source = median_of(5, lambda: first_window([PY, "-m", "app"], home.root))
    frozen_bin = REPO / "dist" / "promoter" / "promoter"
    frozen = median_of(5, lambda: first_window([str(frozen_bin)], home.root)) if frozen_bin.exists() else None
    RESULTS["startup"] = {
        "python_pass_s": round(base, 3),
        "version_s": round(version, 3),
        "version_extra_ms": round((version - base) * 1000),
        "version_met": (version - base) <= 0.150,
        "first_window_source_s": round(source, 3),
        "first_window_frozen_s": frozen and round(frozen, 3),
        "window_met": source <= 1.5 and (frozen is None or frozen <= 1.5),
    }
    print(f"startup: {RESULTS['startup']}", flush=True)


def bench_archive(root: Path) -> None:
    from app.archive import Archive
    from tests.helpers import MAP_DOC, make_config_zip

    home = Home(root / "archive-home").ensure()
    archive = Archive(home.archive_dir)
    payload = os.urandom(48 * 1024).hex().encode()  # ~96 KiB documents, incompressible
    doc = b'<?xml version="1.0"?>\n<NewDataSet><Rule><Code>' + payload + b"</Code></Rule></NewDataSet>\n"
    sample = make_config_zip(root / "sample.zip", doc, MAP_DOC, stored=True)
    data = sample.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    folder = home.archive_dir / "shop-qa"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(10_000):
        path = folder / f"bench-{i:05d}.zip"
        path.write_bytes(data)
        rows.append(
            (
                "qa",
                "http://x",
                "shop-qa",
                "export",
                f"1.0.{i}",
                time.time() - i,
                digest,
                len(data),
                str(path.relative_to(home.archive_dir)),
                None,
                "",
                0,
                None,
                "ok",
            )
        )
    archive._db.execute("BEGIN")
    archive._db.executemany(
        "INSERT INTO entries (profile, base_url, app, kind, version, created_at, sha256, size, path, model, note, "
        "pinned, promotion_id, verified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    archive._db.execute("COMMIT")
    archive.close()
    listing = median_of(
        5, lambda: wall([PY, "-m", "app", "--home", str(home.root), "archive", "list", "--json"])
    )
    files = sorted(str(p) for p in folder.glob("*.zip"))
    total = len(files) * len(data)
    ours = median_of(3, lambda: wall([PY, "-m", "app", "--home", str(home.root), "archive", "verify"]))

    def sha256sum() -> float:
        started = time.perf_counter()
        subprocess.run(
            ["xargs", "-0", "sha256sum"],
            input="\0".join(files).encode(),
            stdout=subprocess.DEVNULL,
            check=True,
        )
        return time.perf_counter() - started

    reference = median_of(3, sha256sum)
    tab_ms = archive_tab_ms(home)
    RESULTS["archive"] = {
        "entries": 10_000,
        "bytes": total,
        "list_json_s": round(listing, 3),
        "list_met": listing <= 0.5,
        "tab_populated_ms": round(tab_ms, 1),
        "tab_met": tab_ms <= 300,
        "verify_s": round(ours, 3),
        "sha256sum_s": round(reference, 3),
        "verify_vs_sha256sum": round(reference / ours, 3),
        "verify_met": reference / ours >= 0.7,
    }
    print(f"archive: {RESULTS['archive']}", flush=True)


def archive_tab_ms(home: Home) -> float:
    out = subprocess.run(
        [
            PY,
            "-c",
            (
                "import sys, time\n"
                "from PySide6.QtWidgets import QApplication\n"
                "app = QApplication([])\n"
                "from app.engine.context import Context\n"
                "from app.gui.archive_tab import ArchiveTab\n"
                "from app.gui.jobs import JobRunner\n"
                "from app.paths import Home\n"
                "from app.secrets import MemoryKeyring, SecretStore\n"
                f"ctx = Context(Home(__import__('pathlib').Path({str(home.root)!r})), SecretStore(MemoryKeyring()))\n"
                "tab = ArchiveTab(ctx, JobRunner())\n"
                "tab.resize(1200, 700); tab.show(); app.processEvents()\n"
                "best = 1e9\n"
                "for _ in range(5):\n"
                "    t = time.perf_counter(); tab.refresh(); app.processEvents(); best = min(best, time.perf_counter() - t)\n"
                "assert tab.model.rowCount() == 10000\n"
                "print(best * 1000)\n"
            ),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    return float(out.stdout.strip().splitlines()[-1])


def bench_diffs() -> None:
    from app.configdoc.dataset import ConfigDocs, read_dataset
    from app.configdoc.diff import diff_configs
    from app.engine.modeldiff import diff_models

    old = [
        {"name": f"t{i}", "fields": {f"f{j}": {"type": "string", "defaultValue": str(j)} for j in range(20)}}
        for i in range(2000)
    ]
    new = json.loads(json.dumps(old))
    for i in range(0, 2000, 20):
        new[i]["fields"]["f3"]["type"] = "text"
        del new[i]["fields"]["f5"]
        new[i]["fields"]["extra"] = {"type": "float"}
    model_ms = min(_timed(lambda: diff_models(old, new)) for _ in range(5))
    raw = (SHARED_FIXTURES / "app-config.xml").read_bytes()
    map_raw = (SHARED_FIXTURES / "map-config.xml").read_bytes()
    changed = raw.replace(b"<WhereCondition>1=2</WhereCondition>", b"<WhereCondition>1=3</WhereCondition>")
    changed = changed.replace(b"<Name>Check for logo</Name>", b"<Name>Check the logo</Name>")

    def config() -> None:
        a = ConfigDocs(read_dataset(io.BytesIO(raw)), read_dataset(io.BytesIO(map_raw)))
        b = ConfigDocs(read_dataset(io.BytesIO(changed)), read_dataset(io.BytesIO(map_raw)))
        assert diff_configs(a, b).count() == 3

    config_ms = min(_timed(config) for _ in range(5))
    RESULTS["diffs"] = {
        "model_2000x20_ms": round(model_ms, 1),
        "model_met": model_ms <= 200,
        "config_fixture_ms": round(config_ms, 1),
        "config_met": config_ms <= 200,
    }
    print(f"diffs: {RESULTS['diffs']}", flush=True)


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def report() -> str:
    m = RESULTS["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"`make bench` on {m['date']}: {m['host']}, {m['cpu']}, {m['cores']} cores, "
        f"{m['memory_mib']:,} MiB, Python {m['python']}, {m['os']}. Each figure is measured beside its "
        "reference in the same run; times are medians. Raw figures: `docs/benchmarks.json`.",
        "",
        "Backing up 3 environments at once against one after another is measured apart, by",
        "`tests/bench/backup_bench.sh` (farm-bench, paired): see `docs/backups-benchmark.md`. The "
        "bundle's size and its 15 largest files: `docs/bundle-size.md`.",
        "",
    ]
    lines += [
        "## 1. Promotion overhead",
        "",
        "`promoter promote dev qa --yes` (one cold process) against the floor: the same HTTP calls with bare "
        "requests and nothing else (`tests/bench/floor.py`: two model reads, validate, source and target "
        "downloads, apply, upload, reload, model read, target download, versions). Target: ratio <= 1.15 at "
        "10 and 35 MiB.",
        "",
        "| zip | floor | promoter | ratio | target met |",
        "|---|---|---|---|---|",
    ]
    for r in RESULTS["promotion"]:
        lines.append(
            f"| {r['mib']} MiB | {r['floor_s']} s | {r['promoter_s']} s | {r['ratio']} | "
            f"{'-' if r['met'] is None else ('yes' if r['met'] else 'NO')} |"
        )
    lines += [
        "",
        "## 2. Memory",
        "",
        "Peak RSS of the promoting process minus its RSS just before the promotion "
        "(after imports; the peak is reset through /proc/self/clear_refs). Target: growth < 25 MiB at 35 MiB.",
        "",
        "| zip | RSS before | peak | growth | target met |",
        "|---|---|---|---|---|",
    ]
    for r in RESULTS["memory"]:
        lines.append(
            f"| {r['mib']} MiB | {r['rss_before_mib']} MiB | {r['peak_mib']} MiB | {r['growth_mib']} MiB | "
            f"{'-' if r['met'] is None else ('yes' if r['met'] else 'NO')} |"
        )
    g = RESULTS["gui"]
    lines += [
        "",
        "## 3. GUI responsiveness",
        "",
        "A 5 ms QTimer on the GUI thread while the window promotes a "
        "35 MiB configuration (offscreen). Target: longest gap <= 50 ms, 99th percentile <= 20 ms.",
        "",
        f"{g['ticks']} ticks; longest gap **{g['max_gap_ms']} ms**; 99th percentile **{g['p99_gap_ms']} ms**; "
        f"target met: {'yes' if g['met'] else 'NO'}.",
    ]
    s = RESULTS["startup"]
    lines += [
        "",
        "## 4. Start-up",
        "",
        f"`promoter --version`: {s['version_s']} s against `python -c pass`: "
        f"{s['python_pass_s']} s, so **+{s['version_extra_ms']} ms** (target +150 ms: "
        f"{'met' if s['version_met'] else 'MISSED'}; no Qt is imported).",
        "",
        f"Time to the first shown main window (offscreen): from source **{s['first_window_source_s']} s**, "
        f"frozen **{s['first_window_frozen_s']} s** (target 1.5 s: {'met' if s['window_met'] else 'MISSED'}).",
    ]
    a = RESULTS["archive"]
    lines += [
        "",
        "## 5. Archive at scale",
        "",
        f"10,000 entries (~96 KiB each, {a['bytes'] / 1048576:,.0f} MiB).",
        "",
        f"- `archive list --json`: {a['list_json_s']} s, process start included (target 0.5 s: "
        f"{'met' if a['list_met'] else 'MISSED'});",
        f"- Archive tab populated: {a['tab_populated_ms']} ms (target 300 ms: {'met' if a['tab_met'] else 'MISSED'});",
        f"- `archive verify`: {a['verify_s']} s against `sha256sum` over the same files: {a['sha256sum_s']} s, "
        f"so {a['verify_vs_sha256sum'] * 100:.0f}% of its throughput (target 70%: "
        f"{'met' if a['verify_met'] else 'MISSED'}). Verify compares each file's sha256 with the index (equal "
        "bytes are the zip that passed the full check when archived); `--deep` re-tests every zip.",
    ]
    d = RESULTS["diffs"]
    lines += [
        "",
        "## 6. Diff at scale",
        "",
        f"- Model diff, 2,000 objects x 20 fields: {d['model_2000x20_ms']} ms (target 200 ms: "
        f"{'met' if d['model_met'] else 'MISSED'});",
        f"- Configuration diff of the real 1.2 MB document against a modified copy, both parsed: "
        f"{d['config_fixture_ms']} ms (target 200 ms: {'met' if d['config_met'] else 'MISSED'}).",
        "",
    ]
    if RESULTS.get("notes"):
        lines += ["## Findings", "", *RESULTS["notes"], ""]
    return "\n".join(lines)


def main() -> int:
    if "--report-only" in sys.argv:  # rewrite the report from the last figures and the findings
        RESULTS.update(json.loads((REPO / "docs" / "benchmarks.json").read_text()))
        notes_file = REPO / "docs" / "benchmark-findings.md"
        RESULTS["notes"] = notes_file.read_text().splitlines() if notes_file.exists() else []
        (REPO / "docs" / "benchmarks.md").write_text(report())
        return 0
    RESULTS["machine"] = machine()
    with tempfile.TemporaryDirectory(prefix="promoter-bench-") as scratch:
        root = Path(scratch)
        bench_diffs()
        bench_startup(root)
        bench_archive(root)
        rig = Rig(root)
        try:
            bench_promotion(rig)
            bench_memory(rig)
            bench_gui(rig)
        finally:
            rig.close()
    notes_file = REPO / "docs" / "benchmark-findings.md"
    RESULTS["notes"] = notes_file.read_text().splitlines() if notes_file.exists() else []
    (REPO / "docs").mkdir(exist_ok=True)
    (REPO / "docs" / "benchmarks.json").write_text(json.dumps(RESULTS, indent=2) + "\n")
    (REPO / "docs" / "benchmarks.md").write_text(report())
    print("wrote docs/benchmarks.md and docs/benchmarks.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
