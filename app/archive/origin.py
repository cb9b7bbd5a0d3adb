"""Which environment a configuration zip comes from, judged by the app id its entries are named
after (``duradosappsys<appId>``) and the zips already archived for each environment."""

from __future__ import annotations

import zipfile
from pathlib import Path

from app.archive.store import Archive
from app.configdoc.zipcheck import APP_ENTRY


def app_id_of(path: Path) -> str | None:
    """The app id a configuration zip names, or None when it names none (or is unreadable)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return None
    match = APP_ENTRY.match(names[0]) if names else None
    return match.group(1) if match else None


def known_app_ids(archive: Archive, profiles: list[str]) -> dict[str, str]:
    """Each profile's app id, read from its newest archived zip (profiles with none are left out)."""
    out: dict[str, str] = {}
    for name in profiles:
        entries = archive.entries(name)
        for entry in sorted(entries, key=lambda e: e.id, reverse=True)[:3]:
            found = app_id_of(archive.path_of(entry))
            if found:
                out[name] = found
                break
    return out
