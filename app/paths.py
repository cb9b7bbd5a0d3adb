"""Where the program writes: one home folder, overridable for tests and scripts.

Everything the program writes (profiles, archive, history, logs) lives under the home; only the
target locks live in the user's runtime folder, shared by every home (``app.engine.lock``). The home
is chosen, in order, by ``--home DIR``, the ``PROMOTER_HOME`` environment variable, and the platform's
per-user data folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_HOME = "PROMOTER_HOME"
APP_NAME = "backand-promoter"


def default_home() -> Path:
    """The per-user data folder of the platform (``~/.local/share/backand-promoter`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the home folder: *explicit*, else ``$PROMOTER_HOME``, else the platform default."""
    if explicit:
        return Path(explicit).expanduser().absolute()
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser().absolute()
    return default_home()


@dataclass(frozen=True)
class Home:
    """The layout of a home folder."""

    root: Path

    @property
    def profiles_file(self) -> Path:
        return self.root / "profiles.json"

    @property
    def settings_file(self) -> Path:
        return self.root / "settings.json"

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def history_db(self) -> Path:
        return self.root / "history.sqlite"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def tmp_dir(self) -> Path:
        return self.root / "tmp"

    def ensure(self) -> Home:
        """Create the folders (private to the user) and return self."""
        for folder in (self.root, self.archive_dir, self.logs_dir, self.tmp_dir):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self
