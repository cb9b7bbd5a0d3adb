#!/usr/bin/env bash
# Back up 3 environments, concurrently (--jobs 3) against one after another (--jobs 1), paired and
# interleaved by farm-bench. Run it inside the keyring session: tests/tools/with-keyring.sh tests/bench/backup_bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(mktemp -d)
trap 'exec 3>&- ; rm -rf "$root"' EXIT
mkfifo "$root/hold"
.venv/bin/python -m tests.bench.backup_setup "$root" < "$root/hold" > "$root/setup.log" 2>&1 &
exec 3>"$root/hold"
for _ in $(seq 1 120); do grep -q ready "$root/setup.log" 2>/dev/null && break; sleep 1; done
.venv/bin/python -m app --home "$root/home" backup --all   # the first run archives everything
farm-bench -n 7 --timeout 600 \
  --vs ".venv/bin/python -m app --home $root/home backup --all --jobs 1" \
  -- .venv/bin/python -m app --home "$root/home" backup --all --jobs 3
