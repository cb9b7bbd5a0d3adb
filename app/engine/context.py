"""What every operation needs: the home's stores, the secrets and the client settings."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from app import logs
from app.archive import Archive, Entry
from app.backand import BackandClient
from app.backand.streams import CancelCheck, Downloaded, Progress
from app.configdoc.dataset import ConfigDocs, read_config_zip
from app.configdoc.diff import ConfigDiff, diff_configs, fingerprint
from app.engine.connect import ClientSettings, client_for, client_settings
from app.engine.events import Reporter
from app.engine.history import History, HistoryJournal
from app.errors import UsageError
from app.paths import Home
from app.profile import Profile
from app.profileguard import LostProtection
from app.profiles import ProfileStore
from app.secrets import SecretStore
from app.settings import Settings
from app.settings import load as load_settings

T = TypeVar("T")


class Begun(Protocol):
    """A download of the current configuration begun earlier (``reads/headstart.HeadStart``)."""

    def take(
        self, dest: Path, progress: Progress | None = None, cancel: CancelCheck | None = None
    ) -> Downloaded | None: ...


@dataclass
class Context:
    home: Home
    secrets: SecretStore
    settings: ClientSettings | None = None
    user_settings: Settings = field(init=False)

    def __post_init__(self) -> None:
        self.home.ensure()
        self.user_settings = load_settings(self.home.settings_file)
        if self.settings is None:
            self.settings = client_settings(self.user_settings)
        self.profiles = ProfileStore(self.home.profiles_file, HistoryJournal(self.home.history_db))
        self._archive_dir = (
            Path(self.user_settings.archive_dir).expanduser()
            if self.user_settings.archive_dir
            else self.home.archive_dir
        )
        self._local = threading.local()
        self._opened: list[Archive | History] = []
        self._opened_lock = threading.Lock()
        self.interrupted = self.history.mark_interrupted()
        for run in self.interrupted:
            logs.engine.warning(run.message)
        self.lost_protection = self._lost_protection()

    def _lost_protection(self) -> list[LostProtection]:
        """Protected profiles whose file was edited by hand to unprotect them (said on every run)."""
        try:
            lost = self.profiles.lost_protection()
        except UsageError:
            return []  # a corrupted profile file: said by whatever loads a profile next
        for item in lost:
            logs.engine.warning(item.message(str(self.home.profiles_file)))
        return lost

    def guarded(self, profile: Profile) -> Profile:
        """*profile* as a write must treat it. A protection belongs to the target (URL + app), not
        to one profile's entry: it is protected when its file says so, when another profile of this
        home on the same target is protected, or when the promoter last recorded a protected profile
        on it (a protection removed by hand, a renamed or re-id'd entry, is not a protection
        removed: ``promoter profile unprotect NAME --confirm NAME`` removes it)."""
        from dataclasses import replace

        from app.profileguard import effective

        if profile.protected:
            return profile
        try:
            if any(p.protected and p.target_key == profile.target_key for p in self.profiles.load()):
                return replace(profile, protected=True)
            if profile.target_key in self.history.protected_targets():
                return replace(profile, protected=True)
            return effective(profile, self.history.known_profiles())
        except Exception as exc:  # an unreadable history: the file's word, said in the log
            logs.engine.warning("the last known protection of %s is unknown: %s", profile.name, exc)
            return profile

    def reload(self) -> None:
        """Re-read the settings and reopen the stores (after the settings dialog saved)."""
        self.close()
        self.settings = None
        self.__post_init__()

    # Each thread gets its own stores (and SQLite connections) and its own document cache, so a job
    # on a worker thread never shares a connection or a dict with the window or another job.

    @property
    def archive(self) -> Archive:
        store = getattr(self._local, "archive", None)
        if store is None:
            store = self._local.archive = self._track(Archive(self._archive_dir))
        return store

    @property
    def history(self) -> History:
        store = getattr(self._local, "history", None)
        if store is None:
            store = self._local.history = self._track(History(self.home.history_db))
        return store

    @property
    def _docs(self) -> dict[int, ConfigDocs]:
        cache = getattr(self._local, "docs", None)
        if cache is None:
            cache = self._local.docs = {}
        return cache

    def _track(self, store: T) -> T:
        with self._opened_lock:
            self._opened.append(store)  # type: ignore[arg-type]
        return store

    def close(self) -> None:
        """Close every thread's stores (call it when no job runs any more)."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for store in opened:
            store.close()
        self._local = threading.local()

    def client(self, profile: Profile) -> BackandClient:
        return client_for(profile, self.secrets, self.settings)

    def download(
        self,
        client: BackandClient,
        profile: Profile,
        kind: str,
        reporter: Reporter,
        step: str,
        *,
        version: str | None = None,
        model: object = None,
        note: str = "",
        promotion_id: int | None = None,
        known: Entry | None = None,
        stopped: Callable[[], bool] | None = None,
        head: Begun | None = None,
    ) -> Entry:
        """Download a configuration straight into the archive (streamed, atomic). With *known* (an
        archived entry the download is expected to equal, as the verify expects what was sent), a
        download holding the same bytes, or the same text but for what an import rewrites, is not
        parsed again: :meth:`same_as_known` says so. With *head* (the current configuration, not a
        *version*), the file is the one that head start has been downloading from *client*'s app
        (the same request, begun earlier), checked and archived alike."""

        def cancelled() -> bool:
            return reporter.cancel.is_set() or (stopped is not None and stopped())

        def write(path: Path) -> object:
            if head is not None and version is None:
                taken = head.take(path, progress=reporter.progress(step), cancel=cancelled)
                if taken is not None:  # (None: it could not keep its file; ask again)
                    return taken
            return client.download_config(
                path, version=version, progress=reporter.progress(step), cancel=cancelled
            )

        checked: dict[str, Any] = {}
        entry = self.archive.add_file(
            write,
            collect=checked,
            profile=profile.name,
            base_url=profile.base_url,
            app=profile.app,
            kind=kind,
            version=version,
            model=model,
            note=note,
            promotion_id=promotion_id,
            known=known,
        )
        self._local.same_as_known = entry.id if checked["same_as_known"] else None
        if checked["docs"] is not None:
            self._remember(entry.id, checked["docs"])  # the check's parse serves the diffs too
        said = " (bytes parsed before: not parsed again)" if checked["parsed"] is not None else ""
        reporter.log(
            f"{step}: archived as #{entry.id} ({entry.size:,} bytes, sha256 {entry.sha256[:12]}){said}"
        )
        return entry

    def fingerprint(self, entry: Entry) -> str:
        """*entry*'s configuration fingerprint: the one recorded for its bytes (``archive/parses.py``),
        else computed from its documents and recorded."""
        parsed = self.archive.parsed(entry)
        if parsed is not None and parsed.fingerprint is not None:
            return parsed.fingerprint
        found = fingerprint(self.docs(entry))
        self.archive.parses.keep_fingerprint(entry.sha256, found)  # (kept only beside a check's record)
        return found

    def config_diff(self, old: Entry, new: Entry) -> ConfigDiff:
        """What loading *new* over *old* changes: the diff recorded for both zips' bytes, else
        computed from their documents and recorded."""
        stored = self.archive.parses.diff(old.sha256, new.sha256)
        if stored is not None:
            return stored
        found = diff_configs(self.docs(old), self.docs(new))
        self.archive.parses.keep_diff(old.sha256, new.sha256, found)
        return found

    def live_fingerprint(self, client: BackandClient) -> str:
        """The fingerprint of the configuration the app holds now (downloaded to a temp file, not
        archived): how a settle or a verify reads the target without adding archive entries."""
        import tempfile

        with tempfile.TemporaryDirectory(dir=self.home.tmp_dir) as folder:
            path = Path(folder) / "live.zip"
            client.download_config(path)
            return fingerprint(read_config_zip(path))

    def docs(self, entry: Entry) -> ConfigDocs:
        """Both documents of an archived zip; a missing file is an error that names the entry."""
        path = self.archive.path_of(entry)
        if not path.exists():
            raise UsageError(
                f"The file of archive entry #{entry.id} is missing ({path}); run `archive verify`."
            )
        cached = self._docs.get(entry.id)
        if cached is None:  # an entry's file never changes: read it once per operation
            cached = read_config_zip(path)
            self._remember(entry.id, cached)
        return cached

    def release_thread(self) -> None:
        """Close the stores this thread opened (a helper thread that ends before the context does)."""
        mine = [
            store
            for store in (getattr(self._local, "archive", None), getattr(self._local, "history", None))
            if store
        ]
        with self._opened_lock:
            self._opened = [store for store in self._opened if all(store is not m for m in mine)]
        for store in mine:
            store.close()
        self._local.archive = self._local.history = None

    def take_docs(self, entry: Entry) -> ConfigDocs | None:
        """The documents this thread read for *entry*, handed over (to the thread that will use them)."""
        return self._docs.pop(entry.id, None)

    def adopt_docs(self, entry: Entry, docs: ConfigDocs | None) -> None:
        """Keep documents another thread read (see :meth:`take_docs`) for this thread's use."""
        if docs is not None:
            self._remember(entry.id, docs)

    def same_as_known(self, entry: Entry) -> bool:
        """Whether *entry*, this thread's last download, was found to hold what the entry it was
        expected to equal holds (remembered for one download per thread, not for the process)."""
        return getattr(self._local, "same_as_known", None) == entry.id

    def forget_docs(self) -> None:
        """Let the documents read so far go (they are read again from the archive if asked for)."""
        self._local.docs = {}

    def _remember(self, entry_id: int, docs: ConfigDocs) -> None:
        """Keep the documents of the last few entries (an operation uses at most three)."""
        self._local.docs = {**dict(list(self._docs.items())[-3:]), entry_id: docs}
