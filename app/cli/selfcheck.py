"""``promoter --self-check``: is everything this installation needs there and working?

Prints the versions, the Qt platform plugin, the keyring backend (and whether it stores and gives
back a test secret), the home folder and the resources; exit status 0 only when all of them work.
"""

from __future__ import annotations

import platform
import sys

from app import __version__
from app.cli.exitcodes import Exit
from app.paths import Home


def run(home: Home) -> int:
    problems: list[str] = []
    frozen = getattr(sys, "frozen", False)
    print(f"promoter {__version__}{' (frozen)' if frozen else ''}")
    print(f"Python {platform.python_version()} ({sys.executable})")
    try:
        from app.gui.qtcheck import qt_report

        for line in qt_report():
            print(line)
    except Exception as exc:
        problems.append(f"Qt: {type(exc).__name__}: {exc}")
    try:
        from app.gui.qtcheck import text_problems

        text = text_problems()
        problems += [f"text: {problem}" for problem in text]
        if not text:
            print("text: collation and case mapping of non-ASCII names (Straße, İstanbul, ﬁ, Ö): ok")
    except Exception as exc:
        problems.append(f"text: {type(exc).__name__}: {exc}")
    from app.secrets import SecretStore, SecretStoreError

    store = SecretStore()
    print(f"keyring backend: {store.name}")
    try:
        store.self_test()
        print("keyring: stores and gives back a test secret: yes")
    except SecretStoreError as exc:
        problems.append(f"keyring: {exc.message}")
    try:
        home.ensure()
        probe = home.tmp_dir / ".self-check"
        probe.write_text("ok")
        probe.unlink()
        print(f"home: {home.root} (writable)")
    except OSError as exc:
        problems.append(f"home {home.root}: {exc.strerror}")
    from app import assets

    try:
        icons = [len(item.read_bytes()) for item in assets.icon_files()]
        entry = len(assets.read_bytes("backand-promoter.desktop"))
        print(f"resources: {len(icons)} icon sizes, desktop entry {entry} bytes")
    except OSError as exc:
        problems.append(f"resources: {exc}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("self-check: " + ("all good" if not problems else f"{len(problems)} problem(s)"))
    return Exit.OK if not problems else Exit.FAILED
