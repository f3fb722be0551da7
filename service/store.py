"""Gateway storage (SQLAlchemy): chat turns, referrals and answer feedback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Boolean, DateTime, Integer, String, Text, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from service.schemas import Referral


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class TurnRow(Base):
    """One user message and whether the bot could answer it (for conversation review)."""

    __tablename__ = "turns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    fallback: Mapped[bool] = mapped_column(Boolean, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)


class ReferralRow(Base):
    """A handover to people, created only after the user consented."""

    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    company: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(32))
    station_id: Mapped[str] = mapped_column(String(64), default="")
    station_type: Mapped[str] = mapped_column(String(32), default="")
    question: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="new")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class FeedbackRow(Base):
    """A thumbs up or down on one bot answer."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(64))
    rating: Mapped[str] = mapped_column(String(8))  # up / down
    question: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


def _sqlite_wal(connection: object, _record: object) -> None:
    """WAL with synchronous=NORMAL: concurrent readers, one fsync per checkpoint instead of per commit."""
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Store:
    """Small repository over one engine; tables are created on first use."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_wal)
        Base.metadata.create_all(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def log_turn(self, sender_id: str, channel: str, message: str, fallback: bool) -> None:
        with self._session.begin() as session:
            session.add(TurnRow(sender_id=sender_id, channel=channel, message=message, fallback=fallback))

    def add_referral(self, sender_id: str, referral: Referral) -> int:
        with self._session.begin() as session:
            row = ReferralRow(sender_id=sender_id, **referral.model_dump())
            session.add(row)
            session.flush()
            return row.id

    def add_feedback(self, sender_id: str, rating: str, question: str, answer: str) -> int:
        with self._session.begin() as session:
            row = FeedbackRow(sender_id=sender_id, rating=rating, question=question, answer=answer)
            session.add(row)
            session.flush()
            return row.id

    def turns(self, *, fallback_only: bool = False) -> list[TurnRow]:
        with Session(self.engine) as session:
            query = select(TurnRow).order_by(TurnRow.id)
            if fallback_only:
                query = query.where(TurnRow.fallback.is_(True))
            return list(session.scalars(query))

    def referrals(self) -> list[ReferralRow]:
        with Session(self.engine) as session:
            return list(session.scalars(select(ReferralRow).order_by(ReferralRow.id)))

    def feedback(self) -> list[FeedbackRow]:
        with Session(self.engine) as session:
            return list(session.scalars(select(FeedbackRow).order_by(FeedbackRow.id)))
