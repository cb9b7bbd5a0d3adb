"""The longest wait of a promotion, begun first: the source's configuration export.

A Backand server builds a configuration zip before it sends a byte of it (most of a second for a
large app), and the client has nothing to do meanwhile. :class:`HeadStart` asks for the source's
export before anything else of a promotion or a plan: in a new ``promoter`` process before the
engine is even imported, in the window before the target's lock is taken. It downloads into the
home's scratch folder on its own thread; the plan takes the file at the step that used to download
it (:meth:`HeadStart.take`), and from there on nothing changes: the archive's check, the lock, the
backup and the gates stay where they were. Only a read of the source moved earlier.

This module imports the client and the keyring, not the engine's heavy parts, so that a new process
can start the download before it imports them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app import logs
from app.backand import BackandClient
from app.backand.streams import CancelCheck, Downloaded, Progress
from app.engine.alongside import Alongside
from app.engine.connect import ClientSettings, client_for
from app.errors import Cancelled, PromoterError
from app.fsutil import move_into
from app.profile import Profile
from app.secrets import SecretStore


class HeadStart:
    """The source's export, downloading on its own thread from the moment this is made, with a
    client of its own (no other thread uses it, so a stop can cut its call short).

    Whoever begins one closes it (:meth:`close`, idempotent); :func:`app.engine.ops.promote.promote`
    and ``plan_promotion`` close one handed to them. Closing stops a download nobody took, even one
    still waiting for the server's first byte, and removes its file: a refusal, a busy lock or
    Ctrl+C leaves nothing running or behind.
    """

    def __init__(
        self,
        profile: Profile,
        client: BackandClient,
        folder: Path,
        cancel: CancelCheck | None = None,
        *,
        seen: bool = False,
    ) -> None:
        self.profile = profile
        self.client = client
        self.read_seen = seen
        self.seen: Seen | None = None  # with *seen*: the source's state read before the download
        self._progress: Progress | None = None
        self._cancels = [cancel] if cancel is not None else []
        self._aborted = False
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        _sweep(folder)
        self._folder = Path(tempfile.mkdtemp(prefix=f"headstart-{os.getpid()}-", dir=folder))
        self._path = self._folder / "export.zip"
        try:
            self._job = Alongside(self._download, "download source configuration")
        except BaseException:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise

    @classmethod
    def begin(
        cls,
        profile: Profile,
        secrets: SecretStore,
        settings: ClientSettings | None,
        folder: Path,
        cancel: CancelCheck | None = None,
        *,
        seen: bool = False,
    ) -> HeadStart | None:
        """Start the download, or return None when it cannot start now (no secret, a bad address,
        a home that cannot be written): the plan then downloads as it always did, and says why it
        cannot at the step where it fails. *cancel* (a Ctrl+C before the plan began) stops it."""
        try:
            client = client_for(profile, secrets, settings)
        except PromoterError as exc:
            logs.engine.debug("no head start for %s: %s", profile.name, exc)
            return None
        try:
            return cls(profile, client, folder, cancel, seen=seen)
        except OSError as exc:
            logs.engine.debug("no head start for %s: %s", profile.name, exc)
            client.close()
            return None
        except BaseException:
            client.close()
            raise

    def _cancelled(self) -> bool:
        return any(check() for check in self._cancels)

    def _download(self, stopped: Callable[[], bool]) -> Downloaded:
        def progress(done: int, total: int | None) -> None:
            if self._progress is not None:
                self._progress(done, total)

        if self.read_seen:  # before the request: what a plan's record says the export was taken at
            self.seen = read_seen(self.client)
        return self.client.download_config(
            self._path, progress=progress, cancel=lambda: stopped() or self._cancelled()
        )

    def _abort(self) -> None:
        self._aborted = True
        self.client.abort()

    def take(
        self, dest: Path, progress: Progress | None = None, cancel: CancelCheck | None = None
    ) -> Downloaded | None:
        """Wait for the download (reporting its progress to *progress* from now on, stopping as
        soon as *cancel* says so, even before the server's first byte) and move the file to *dest*
        atomically. What the download met on the way (a network error, a refusal by the server, a
        cancel) is raised here, at the plan's step. None when it failed on this machine (the
        scratch folder full or not writable): the caller downloads as it would have without it."""
        self._progress = progress
        if cancel is not None:
            self._cancels.append(cancel)
        while not self._job.wait(0.05):
            if self._cancelled():
                self._abort()  # again at each turn: a connection it opened since is cut too
        try:
            written = self._job.result()
        except PromoterError:
            if self._aborted:
                raise Cancelled("download cancelled by the user") from None
            raise
        except OSError as exc:
            logs.engine.warning("the early download could not be kept (%s); downloading again", exc)
            return None
        if progress is not None:
            progress(written.size, written.size)
        move_into(self._path, dest)
        return dataclasses.replace(written, path=dest)

    def close(self) -> None:
        """Stop the download if it still runs; remove its file and folder; close the client."""
        while not self._job.wait(0.05):
            self._abort()  # again at each turn: a connection it opened since is cut too
        self._job.abandon()
        shutil.rmtree(self._folder, ignore_errors=True)
        self.client.close()


STALE_AFTER = 600.0  # seconds: a head start's folder this old, of a process gone, is a leftover


Seen = tuple[str, str, tuple[str, ...]]  # the model's digest, the current label, the version list


def read_seen(client: BackandClient) -> Seen:
    """What a cheap read sees of an app (its model's digest, the label served, the version list):
    read before a download, it is what a plan records its read of the source was taken at."""
    model = client.get_model()
    versions = client.list_versions()
    digest = hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()
    return digest, versions.current or "", tuple(versions.versions)


def _sweep(folder: Path) -> None:
    """Remove what a promoter killed mid-download left (``kill -9`` runs no clean-up): the folders
    of processes that no longer run, untouched for ten minutes (a home on a shared disk may be
    another machine's, whose live process this one cannot see; it is left its time)."""
    now = time.time()
    for stale in folder.glob("headstart-*-*"):
        pid = stale.name.split("-")[1]
        try:  # a download under way keeps touching its file: the newest time counts
            touched = max(p.stat().st_mtime for p in (stale, *stale.iterdir()))
            if not pid.isdigit() or now - touched < STALE_AFTER or _alive(int(pid)):
                continue
        except OSError:
            continue
        shutil.rmtree(stale, ignore_errors=True)
        logs.engine.info("removed %s, left by a promoter that was stopped mid-download", stale.name)


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill there would end the process: not asked, so kept
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or no such call here: not ours to judge
        return True
    return True
