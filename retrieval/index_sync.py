"""Follow the published build on an action server: poll the shared live pointer, fetch, unpack, switch.

One daemon thread per process; several processes on one index directory are safe (install_build
locks it). A refused archive (checksum, truncation, not a build) leaves the live index as it was.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Literal

from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError

from retrieval.archive import BUILD_ID, ArchiveError, unpack_build
from retrieval.distribution import IndexChannel, UnknownBuildError
from retrieval.errors import RetrievalError
from retrieval.store import BUILDS, MANIFEST_FILE, current_target, install_build

log = logging.getLogger(__name__)

Outcome = Literal["none", "unchanged", "switched", "installed", "refused"]


def channel_for(url: str) -> IndexChannel:
    """A channel on its own small pool (`postgresql://` means psycopg 3, the driver installed)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return IndexChannel(create_engine(url, pool_pre_ping=True, pool_size=1, max_overflow=1))


class IndexSync:
    """Keeps index_dir's `current` on the build the channel calls live."""

    def __init__(self, index_dir: Path, channel: IndexChannel, keep: int, interval_s: float) -> None:
        self.index_dir = Path(index_dir)
        self.channel = channel
        self.keep = keep
        self.interval_s = interval_s
        self._refused: tuple[str, str] | None = None
        self._last_error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sync_once(self) -> Outcome:
        """One poll; raises SQLAlchemyError / OSError when the database or the disk fails."""
        live = self.channel.live()
        if live is None:
            return "none"
        current = current_target(self.index_dir)
        if current is not None and current.name == live.build_id:
            return "unchanged"
        if self._refused == (live.build_id, live.sha256):
            return "refused"
        if not BUILD_ID.match(live.build_id):  # a name, never a path
            return self._refuse(live.build_id, live.sha256, "构建编号不合法")
        local = self.index_dir / BUILDS / live.build_id
        if (local / MANIFEST_FILE).is_file():  # a rollback to a build this machine still has
            install_build(local, self.index_dir, self.keep)
            log.info("index switched back to %s", live.build_id)
            return "switched"
        return self._install(live.build_id, live.sha256)

    def _install(self, build_id: str, sha256: str) -> Outcome:
        (self.index_dir / BUILDS).mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".fetch-{build_id}-", dir=self.index_dir / BUILDS))
        try:
            build = unpack_build(self.channel.fetch(build_id), sha256, scratch)
            install_build(build, self.index_dir, self.keep)
        except (ArchiveError, UnknownBuildError) as error:
            return self._refuse(build_id, sha256, str(error))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        log.info("published build %s installed into %s", build_id, self.index_dir)
        return "installed"

    def _refuse(self, build_id: str, sha256: str, reason: str) -> Outcome:
        self._refused = (build_id, sha256)  # not fetched again until the live build changes
        log.error("published build %r refused, live index unchanged: %s", build_id, reason)
        return "refused"

    def poll(self) -> Outcome | None:
        """sync_once, logging a failure once per distinct error instead of raising it."""
        try:
            outcome = self.sync_once()
        except (SQLAlchemyError, OSError, RetrievalError) as error:
            message = f"{type(error).__name__}: {error}".splitlines()[0]
            if message != self._last_error:
                log.warning("index sync from the shared store failed (will retry): %s", message)
            self._last_error = message
            return None
        self._last_error = ""
        return outcome

    def start(self) -> IndexSync:
        """Poll once now (a fresh machine gets the live build before loading), then on a daemon thread."""
        self.poll()
        self._thread = threading.Thread(target=self._run, name="index-sync", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.poll()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.channel.engine.dispose()
