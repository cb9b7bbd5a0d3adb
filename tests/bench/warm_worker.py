"""A promoter process kept running between promotions, as the open window is: it answers
``promote`` (a promotion dev -> qa through the engine, as the window's job runs it), ``plan`` (the
read-only plan the window shows first), ``promote-planned`` (the promotion of that plan once the user
confirmed it, as the window runs it: with the plan's stamp), ``floor DEV QA`` (the floor's HTTP calls,
in this same warm process) and ``reset`` (after the sandbox was reset) with ``ok SECONDS``.

Usage: python -m tests.bench.warm_worker HOME URL   (commands on standard input, a line each)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from app.engine.context import Context
from app.engine.ops.promote import plan_promotion, promote
from app.engine.reads.plan import PromoteOptions
from app.gui.launch import tune_for_the_window
from app.paths import Home
from app.secrets import SecretStore
from tests.bench.floor import main as floor


def main(home: str, url: str) -> None:
    tune_for_the_window()  # as the window's process is tuned (it imports no Qt)
    ctx = Context(Home(Path(home)), SecretStore())
    stamp: str | None = None
    for line in sys.stdin:
        words = line.split()
        started = time.perf_counter()
        if words == ["promote"]:
            result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), PromoteOptions(yes=True))
            if result.status.value != "succeeded":
                print(f"failed {result.message}", flush=True)
                continue
        elif words == ["plan"]:
            planned = plan_promotion(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"))
            if planned.planned is None:
                print(f"failed {planned.message}", flush=True)
                continue
            stamp = planned.planned.stamp
        elif words == ["promote-planned"]:
            options = PromoteOptions(yes=True, expect_stamp=stamp)
            result = promote(ctx, ctx.profiles.get("dev"), ctx.profiles.get("qa"), options)
            if result.status.value != "succeeded":
                print(f"failed {result.message}", flush=True)
                continue
        elif words[:1] == ["floor"]:
            work = Path(tempfile.mkdtemp())
            try:
                floor(url, words[1], words[2], work)
            finally:
                shutil.rmtree(work)
        elif words == ["reset"]:
            # The bench resets the sandbox between runs, which is a change outside the promoter:
            # forget the baseline so the next run is not a drift report (reading the old export
            # to show what changed) that a real promotion from the window would not meet.
            ctx.history._db.execute("DELETE FROM baselines")
        else:
            print(f"unknown {line.strip()}", flush=True)
            continue
        print(f"ok {time.perf_counter() - started:.4f}", flush=True)
    ctx.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
