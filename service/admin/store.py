"""The draft knowledge base in the database: entries, one version per change, restore, audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from retrieval.schema import Locations
from service.admin.db import session_factory
from service.admin.diff import summary
from service.admin.entities import EntityValidationError, title_of
from service.admin.kinds import KINDS, label_of
from service.admin.models import AuditRow, EntityRow, VersionRow, utcnow


class EntityNotFoundError(Exception):
    """No live entry of this kind with this key."""


class EditConflictError(Exception):
    """The entry changed since the editor loaded it (their version number is stale)."""


class VersionNotFoundError(Exception):
    """No version with this id."""


@dataclass(frozen=True)
class Entry:
    """A live draft entry as the API sees it."""

    kind: str
    key: str
    version: int
    data: dict[str, Any]
    updated_at: datetime
    updated_by: str


def _entry(row: EntityRow) -> Entry:
    assert row.data is not None  # callers only pass live rows
    return Entry(row.kind, row.key, row.version, row.data, row.updated_at, row.updated_by)


class KnowledgeStore:
    """Repository over the knowledge tables; every write is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions: sessionmaker[Session] = session_factory(engine)

    # ---- reading -------------------------------------------------------------------------
    def entries(self, kind: str) -> list[Entry]:
        with self.sessions() as session:
            rows = session.scalars(
                select(EntityRow)
                .where(EntityRow.kind == kind, EntityRow.data.is_not(None))
                .order_by(EntityRow.position, EntityRow.id)
            )
            return [_entry(row) for row in rows]

    def get(self, kind: str, key: str) -> Entry:
        with self.sessions() as session:
            row = self._row(session, kind, key)
            if row is None or row.data is None:
                raise EntityNotFoundError(f"{kind}/{key}")
            return _entry(row)

    def locations(self) -> Locations | None:
        try:
            return Locations.model_validate(self.get("locations", "locations").data)
        except EntityNotFoundError:
            return None

    def is_empty(self) -> bool:
        with self.sessions() as session:
            return not session.scalar(select(func.count()).select_from(VersionRow))

    def revision(self) -> int:
        """Id of the newest version: changes whenever the draft changes."""
        with self.sessions() as session:
            return int(session.scalar(select(func.max(VersionRow.id))) or 0)

    # ---- writing -------------------------------------------------------------------------
    def create(self, kind: str, key: str, data: dict[str, Any], author: str) -> Entry:
        with self.sessions.begin() as session:
            row = self._row(session, kind, key)
            if row is not None and row.data is not None:
                field = KINDS[kind].key_field
                raise EntityValidationError({field: f"{KINDS[kind].fields[field]}“{key}”已存在"})
            if row is None:
                position = session.scalar(
                    select(func.coalesce(func.max(EntityRow.position), -1)).where(EntityRow.kind == kind)
                )
                row = EntityRow(kind=kind, key=key, position=int(position or 0) + 1, version=0)
                session.add(row)
            self._write(session, row, data, author, "create")
            return _entry(row)

    def update(
        self, kind: str, key: str, data: dict[str, Any], author: str, expected_version: int | None = None
    ) -> Entry:
        with self.sessions.begin() as session:
            row = self._row(session, kind, key)
            if row is None or row.data is None:
                raise EntityNotFoundError(f"{kind}/{key}")
            if expected_version is not None and expected_version != row.version:
                raise EditConflictError(f"{kind}/{key} is at version {row.version}")
            if row.data != data:
                self._write(session, row, data, author, "update")
            return _entry(row)

    def delete(self, kind: str, key: str, author: str) -> int:
        with self.sessions.begin() as session:
            row = self._row(session, kind, key)
            if row is None or row.data is None:
                raise EntityNotFoundError(f"{kind}/{key}")
            self._write(session, row, None, author, "delete")
            return row.version

    def restore(self, version_id: int, author: str) -> VersionRow:
        """Make an earlier version the draft again (a deletion version deletes); returns the new version."""
        with self.sessions.begin() as session:
            old = session.get(VersionRow, version_id)
            if old is None:
                raise VersionNotFoundError(str(version_id))
            row = self._row(session, old.kind, old.key)
            assert row is not None  # every version has its entity row
            return self._write(session, row, old.data, author, "restore", restored_from=old.version)

    def seed(self, entries: Iterable[tuple[str, str, dict[str, Any]]], author: str = "system") -> int:
        """Fill an empty store (first start); returns how many entries were added, 0 if not empty."""
        try:
            with self.sessions.begin() as session:
                if session.scalar(select(func.count()).select_from(VersionRow)):
                    return 0
                return self._seed_rows(session, entries, author)
        except IntegrityError:  # another gateway process seeded at the same moment
            return 0

    def seed_kind(
        self, kind: str, entries: Iterable[tuple[str, str, dict[str, Any]]], author: str = "system"
    ) -> int:
        """Add a kind to a store seeded before the kind existed (check-up rules); 0 once it has any row."""
        try:
            with self.sessions.begin() as session:
                if session.scalar(select(func.count()).select_from(EntityRow).where(EntityRow.kind == kind)):
                    return 0
                return self._seed_rows(session, (e for e in entries if e[0] == kind), author)
        except IntegrityError:  # another gateway process seeded at the same moment
            return 0

    def _seed_rows(
        self, session: Session, entries: Iterable[tuple[str, str, dict[str, Any]]], author: str
    ) -> int:
        """Entity rows and their first versions for seeded entries, in order; returns how many."""
        count = 0
        for position, (kind, key, data) in enumerate(entries):
            row = EntityRow(kind=kind, key=key, position=position, version=0)
            session.add(row)
            self._write(session, row, data, author, "seed")
            count += 1
        return count

    def _write(
        self,
        session: Session,
        row: EntityRow,
        data: dict[str, Any] | None,
        author: str,
        action: str,
        restored_from: int | None = None,
    ) -> VersionRow:
        before = row.data
        row.version += 1
        row.data = data
        row.updated_at = utcnow()
        row.updated_by = author
        text = summary(row.kind, action, before, data)
        if restored_from is not None:
            text = f"恢复到版本{restored_from}：" + text.removeprefix("恢复旧版本")
            if data is None:
                text = f"恢复到版本{restored_from}（删除状态）"
        version = VersionRow(
            kind=row.kind,
            key=row.key,
            version=row.version,
            action=action,
            data=data,
            summary=text,
            author=author,
            created_at=row.updated_at,
        )
        session.add(version)
        session.flush()
        return version

    @staticmethod
    def _row(session: Session, kind: str, key: str) -> EntityRow | None:
        return session.scalar(select(EntityRow).where(EntityRow.kind == kind, EntityRow.key == key))

    # ---- versions --------------------------------------------------------------------------
    def versions(self, kind: str | None = None, key: str | None = None, limit: int = 200) -> list[VersionRow]:
        with self.sessions() as session:
            query = select(VersionRow).order_by(VersionRow.id.desc()).limit(limit)
            if kind:
                query = query.where(VersionRow.kind == kind)
            if key:
                query = query.where(VersionRow.key == key)
            return list(session.scalars(query))

    def version(self, version_id: int) -> VersionRow:
        with self.sessions() as session:
            row = session.get(VersionRow, version_id)
            if row is None:
                raise VersionNotFoundError(str(version_id))
            return row

    def previous(self, version: VersionRow) -> VersionRow | None:
        """The version of the same entry just before this one."""
        with self.sessions() as session:
            return session.scalar(
                select(VersionRow).where(
                    VersionRow.kind == version.kind,
                    VersionRow.key == version.key,
                    VersionRow.version == version.version - 1,
                )
            )

    # ---- audit -----------------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str = "", detail: str = "", ip: str = "") -> None:
        with self.sessions.begin() as session:
            session.add(AuditRow(actor=actor, action=action, target=target[:200], detail=detail, ip=ip[:64]))

    def audit_log(self, limit: int = 200, actor: str | None = None) -> list[AuditRow]:
        with self.sessions() as session:
            query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
            if actor:
                query = query.where(AuditRow.actor == actor)
            return list(session.scalars(query))


def describe(kind: str, key: str, data: dict[str, Any] | None) -> str:
    """Audit target text, e.g. 服务站点 ntttc-east（国家技术转移东部中心）."""
    title = title_of(kind, data)
    return f"{label_of(kind)} {key}" + (f"（{title}）" if title and title != key else "")
