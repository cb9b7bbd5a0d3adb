"""Peak RSS of a promotion minus the RSS just before it (after imports and set-up), in this process.

Usage: python -m tests.bench.memory_probe HOME   (profiles dev and qa, secrets in the keyring)
Prints JSON: rss_before, peak, growth (bytes).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def main(home: str) -> None:
    from app.engine.context import Context
    from app.engine.ops.promote import promote
    from app.engine.reads.plan import PromoteOptions
    from app.paths import Home
    from app.secrets import SecretStore

    ctx = Context(Home(Path(home)), SecretStore())
    source, target = ctx.profiles.get("dev"), ctx.profiles.get("qa")
    # The imports a promotion makes on first use (requests, the keyring's backend, SQLite), made
    # here so that the growth measured is the promotion's data, not code being loaded.
    import requests  # noqa: F401

    from app.archive import Archive  # noqa: F401

    ctx.secrets.get(source)
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    before = status("VmRSS")
    result = promote(ctx, source, target, PromoteOptions(yes=True))
    peak = status("VmHWM")
    print(json.dumps({"status": result.status, "rss_before": before, "peak": peak, "growth": peak - before}))


if __name__ == "__main__":
    main(sys.argv[1])
