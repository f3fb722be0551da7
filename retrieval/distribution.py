"""The published build in a shared SQL database (PostgreSQL in scale-out): archives and the live pointer.

The admin writes here on publish; every action server polls `live` (one row) and fetches the archive
when it changed. The tables are created by the knowledge store's migrations (alembic 0002).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine

from retrieval.archive import BuildArchive

METADATA = MetaData()
ARCHIVES = Table(
    "index_archives",
    METADATA,
    Column("build_id", String(128), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("archive", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
LIVE = Table(
    "index_live",
    METADATA,
    Column("id", Integer, primary_key=True),  # always 1: one live build
    Column("build_id", String(128), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("switched_at", DateTime(timezone=True), nullable=False),
)


class UnknownBuildError(LookupError):
    """No archive of that build is stored."""


@dataclass(frozen=True)
class LiveBuild:
    build_id: str
    sha256: str


class IndexChannel:
    """Reads and writes the shared archives and the live pointer."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def publish(self, archive: BuildArchive, keep: int) -> None:
        """Store the archive and make it live in one transaction; keep the newest `keep` archives."""
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            connection.execute(delete(ARCHIVES).where(ARCHIVES.c.build_id == archive.build_id))
            connection.execute(
                insert(ARCHIVES).values(
                    build_id=archive.build_id,
                    sha256=archive.sha256,
                    size=len(archive.data),
                    archive=archive.data,
                    created_at=now,
                )
            )
            self._point(connection, archive.build_id, archive.sha256, now)
            older = select(ARCHIVES.c.build_id).order_by(ARCHIVES.c.created_at.desc()).offset(keep)
            connection.execute(delete(ARCHIVES).where(ARCHIVES.c.build_id.in_(older.scalar_subquery())))

    def set_live(self, build_id: str) -> None:
        """Point every action server at a stored build (a rollback); raises UnknownBuildError."""
        with self.engine.begin() as connection:
            sha = connection.scalar(select(ARCHIVES.c.sha256).where(ARCHIVES.c.build_id == build_id))
            if sha is None:
                raise UnknownBuildError(build_id)
            self._point(connection, build_id, sha, datetime.now(UTC))

    def live(self) -> LiveBuild | None:
        """The live build (the cheap query every action server repeats)."""
        with self.engine.connect() as connection:
            row = connection.execute(select(LIVE.c.build_id, LIVE.c.sha256).where(LIVE.c.id == 1)).first()
        return LiveBuild(row.build_id, row.sha256) if row is not None else None

    def fetch(self, build_id: str) -> BuildArchive:
        """The stored archive of a build; raises UnknownBuildError."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(ARCHIVES.c.archive, ARCHIVES.c.sha256).where(ARCHIVES.c.build_id == build_id)
            ).first()
        if row is None:
            raise UnknownBuildError(build_id)
        return BuildArchive(build_id, bytes(row.archive), row.sha256)

    @staticmethod
    def _point(connection: Connection, build_id: str, sha256: str, now: datetime) -> None:
        values = {"build_id": build_id, "sha256": sha256, "switched_at": now}
        done = connection.execute(update(LIVE).where(LIVE.c.id == 1).values(**values))
        if done.rowcount == 0:
            connection.execute(insert(LIVE).values(id=1, **values))
