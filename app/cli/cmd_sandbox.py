"""``promoter sandbox``: run the Backand-compatible sandbox in the foreground."""

from __future__ import annotations

import argparse
import sys

from app.cli.exitcodes import Exit
from app.paths import Home
from app.sandbox import seed
from app.sandbox.server import SandboxServer


def run(args: argparse.Namespace, home: Home) -> int:
    data = args.data or (home.root / "sandbox")
    server = SandboxServer(data, args.host, args.port, public=args.public)
    print(f"Sandbox listening on {server.url}", flush=True)
    print(f"Data folder: {data}")
    print(
        f"Users: {seed.ADMIN[0]} / {seed.ADMIN[1]} (Admin), {seed.VIEWER[0]} / {seed.VIEWER[1]} (not Admin)"
    )
    print("Sign in to app 'bko', then use the AppName header; or use an app's keys (Basic auth):")
    for row in seed.credentials(server.store):
        print(
            f"  {row['app']:<13} {row['status']:<10} master {row['master_token']}  user {row['user_token']}"
        )
    print("Press Ctrl+C to stop.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("Sandbox stopped.", file=sys.stderr)
    finally:
        server.store.close()
    return Exit.OK
