"""The system's schedulers as the promoter asks them: ``systemctl --user`` and ``crontab``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from app.errors import PromoterError


def unit_dir() -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "systemd" / "user"


def mechanism() -> str:
    if sys.platform == "darwin":
        return "launchd"
    if sys.platform.startswith("win"):
        return "schtasks"
    if systemctl("show-environment"):
        return "systemd"
    return "cron" if shutil.which("crontab") else "none"


def read_crontab() -> str:
    try:
        done = subprocess.run(["crontab", "-l"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise PromoterError(f"crontab -l failed: {exc}") from None
    if done.returncode != 0:
        if "no crontab" in done.stderr.lower():
            return ""
        raise PromoterError(f"crontab -l failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def write_crontab(lines: list[str]) -> None:
    text = "".join(line + "\n" for line in lines)
    try:
        done = subprocess.run(
            ["crontab", "-"], input=text, capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise PromoterError(f"crontab failed: {exc}") from None
    if done.returncode != 0:
        raise PromoterError(f"crontab refused the new table: {done.stderr.strip() or done.returncode}")


def systemctl(*args: str) -> bool:
    return systemctl_out(*args) is not None


def systemctl_out(*args: str) -> str | None:
    """``systemctl --user ARGS``'s output, or None when it failed (or there is no user instance: a
    running user manager always has its socket in $XDG_RUNTIME_DIR/systemd; asking without one makes
    a session bus try to start systemd, which logs an error)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if shutil.which("systemctl") is None or not runtime or not (Path(runtime) / "systemd").is_dir():
        return None
    try:
        done = subprocess.run(
            ["systemctl", "--user", *args], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None
