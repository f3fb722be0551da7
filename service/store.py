"""Gateway storage (SQLAlchemy): chat turns, referrals, answer feedback and turns still in progress."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from actions.reference_number import new_reference
from service.redaction import MASK
from service.schemas import Referral

CONTACT_HIDDEN = "【联系信息，未记录】"  # what the turn log keeps of an answer to a contact question
CLOSING = "closing"  # FeedbackRow.kind of a conversation's satisfaction rating


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class DuplicateFeedbackError(Exception):
    """The turn (or, for a closing rating, the conversation) was already rated."""


class UnknownConversationError(Exception):
    """A closing rating for a conversation the gateway never recorded."""


class Base(DeclarativeBase):
    pass


class TurnRow(Base):
    """One user message and whether the bot could answer it (for conversation review)."""

    __tablename__ = "turns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(80), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    fallback: Mapped[bool] = mapped_column(Boolean, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    turn_key: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    asked_contact: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # the bot asked for contact
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)  # the bot's reply text, masked
    # certain / closest / none for a reply from the knowledge base, "" for others; None: not recorded
    tier: Mapped[str | None] = mapped_column(String(16), nullable=True)


class PendingTurnRow(Base):
    """A turn sent to Rasa but not yet recorded: written before Rasa is asked, deleted when recorded.

    If the gateway dies (or the database refuses the final write) between Rasa's answer and the record,
    recovery reads the answer back from Rasa's tracker, so a referral Rasa confirmed is never lost.
    """

    __tablename__ = "pending_turns"
    turn_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(80), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)


class ReferralRow(Base):
    """A handover to people, created only after the user consented."""

    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # YP-20261201-K7Q3MX: what the user was told; unique index (NULL only on rows from before numbers)
    reference: Mapped[str | None] = mapped_column(String(24), unique=True, index=True, nullable=True)
    sender_id: Mapped[str] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(64))
    company: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(32))
    station_id: Mapped[str] = mapped_column(String(64), default="")
    station_type: Mapped[str] = mapped_column(String(32), default="")
    question: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="new")  # new / contacted / closed / cancelled
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    turn_key: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)  # idempotent retries
    # staff notes and status changes, oldest first: [{"at", "by", "note"} | {"at", "by", "from", "to"}]
    history: Mapped[list[dict[str, str]] | None] = mapped_column(JSON, nullable=True)


class FeedbackRow(Base):
    """A thumbs up or down on one bot answer, or the closing rating of a whole conversation."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(80), index=True)
    rating: Mapped[str] = mapped_column(String(8))  # up / down
    question: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    turn_key: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)  # one per turn
    # "closing": the conversation's satisfaction (good / fair / poor, no turn); None: an answer's thumb
    kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(16), nullable=True)  # why 👎: a REASONS key
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)  # the user's words on 👎, masked


class CheckupReportRow(Base):
    """A check-up report kept for its print page: found only by a random token, purged with the turns."""

    __tablename__ = "checkup_reports"
    token: Mapped[str] = mapped_column(String(48), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)  # for erasure only, never shown
    data: Mapped[str] = mapped_column(Text)  # the report's JSON: profile choices and cited lines
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)


# A chat turn's statements, built once: SQLAlchemy then hashes each only once, and the turn's rows skip
# the ORM's unit of work (the turn log's writes were a third of the gateway's CPU per message).
_TURNS = Base.metadata.tables[TurnRow.__tablename__]
_PENDING = Base.metadata.tables[PendingTurnRow.__tablename__]
_ADD_PENDING = insert(_PENDING)
_DROP_PENDING = delete(_PENDING).where(_PENDING.c.turn_key == bindparam("key"))
_ADD_TURN = insert(_TURNS)
_TURN_RECORDED = select(_TURNS.c.id).where(_TURNS.c.turn_key == bindparam("key"))
_LAST_ASKED_CONTACT = (
    select(_TURNS.c.asked_contact)
    .where(_TURNS.c.sender_id == bindparam("sender"))
    .order_by(_TURNS.c.id.desc())
    .limit(1)
)


def _add_missing_columns(engine: Engine) -> None:
    """Tables made by an older version get the nullable columns and the indexes added since (create_all
    only adds tables)."""
    inspector = inspect(engine)
    with engine.begin() as connection:
        operations = Operations(MigrationContext.configure(connection))
        for table in Base.metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present and column.nullable:
                    operations.add_column(table.name, Column(column.name, column.type, nullable=True))
            for index in table.indexes:
                index.create(connection, checkfirst=True)


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
        # hide_parameters: a failed statement's log line and exception never carry names or phone numbers.
        # A server's connections can drop (pre-ping); a SQLite file's cannot, so no extra query per checkout.
        self.engine: Engine = create_engine(
            url, pool_pre_ping=not url.startswith("sqlite"), hide_parameters=True
        )
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_wal)
        _add_missing_columns(self.engine)
        Base.metadata.create_all(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def log_turn(
        self, sender_id: str, channel: str, message: str, fallback: bool, tier: str | None = None
    ) -> None:
        with self._session.begin() as session:
            session.add(
                TurnRow(sender_id=sender_id, channel=channel, message=message, fallback=fallback, tier=tier)
            )

    def begin_turn(self, turn_key: str, sender_id: str, channel: str, message: str) -> None:
        row = {"turn_key": turn_key, "sender_id": sender_id, "channel": channel, "message": message}
        with self.engine.begin() as connection:
            connection.execute(_ADD_PENDING, row)

    def abandon_turn(self, turn_key: str) -> None:
        """Rasa did not answer: nothing to recover."""
        with self.engine.begin() as connection:
            connection.execute(_DROP_PENDING, {"key": turn_key})

    def pending_turns(self, older_than: datetime | None = None) -> list[PendingTurnRow]:
        with Session(self.engine) as session:
            query = select(PendingTurnRow).order_by(PendingTurnRow.created_at)
            if older_than is not None:
                query = query.where(PendingTurnRow.created_at < older_than)
            return list(session.scalars(query))

    def finish_turn(
        self,
        turn_key: str,
        sender_id: str,
        channel: str,
        message: str,
        *,
        fallback: bool,
        asked_contact: bool,
        referrals: list[Referral],
        answer: str = "",
        tier: str | None = None,
    ) -> dict[str, str]:
        """Records a turn and its referrals in one transaction; a second call for the same turn does nothing.

        `message` should already be masked (phone numbers); it is replaced entirely when the bot's previous
        reply asked for contact details, and names/companies of a referral are scrubbed from earlier turns.
        Returns the reference numbers that had to change ({told: stored}): taken already, which is rare.
        """
        renumbered: dict[str, str] = {}
        with self._session.begin() as session:
            if session.scalar(_TURN_RECORDED, {"key": turn_key}) is not None:
                session.execute(_DROP_PENDING, {"key": turn_key})
                return renumbered
            if _asked_contact_before(session, sender_id):
                message = CONTACT_HIDDEN
            for number, referral in enumerate(referrals):
                reference = _free_reference(session, referral.reference)
                if referral.reference and reference != referral.reference:
                    renumbered[referral.reference] = reference
                values = {**referral.model_dump(), "reference": reference}
                session.add(ReferralRow(sender_id=sender_id, turn_key=f"{turn_key}:{number}", **values))
                _scrub(session, sender_id, [referral.name, referral.company])
                message = _without(message, [referral.name, referral.company])
            turn = {
                "sender_id": sender_id,
                "channel": channel,
                "message": message,
                "fallback": fallback,
                "turn_key": turn_key,
                "asked_contact": asked_contact,
                "answer": answer,
                "tier": tier,
            }
            session.execute(_ADD_TURN, turn)
            session.execute(_DROP_PENDING, {"key": turn_key})
        return renumbered

    def log_gateway_turn(
        self, turn_key: str, sender_id: str, channel: str, message: str, answer: str
    ) -> None:
        """A turn the gateway answered itself (a handover query): logged like the others. A contact
        question the bot asked before still stands, so the next message stays out of the log too."""
        with self._session.begin() as session:
            asked = _asked_contact_before(session, sender_id)
            session.add(
                TurnRow(
                    sender_id=sender_id,
                    channel=channel,
                    message=CONTACT_HIDDEN if asked else message,
                    fallback=False,
                    turn_key=turn_key,
                    asked_contact=asked,
                    answer=answer,
                    tier="",
                )
            )

    def sender_referrals(self, sender_id: str) -> list[ReferralRow]:
        """One sender's referrals that have a number, newest first."""
        with Session(self.engine) as session:
            query = (
                select(ReferralRow)
                .where(ReferralRow.sender_id == sender_id, ReferralRow.reference.is_not(None))
                .order_by(ReferralRow.id.desc())
            )
            return list(session.scalars(query))

    def sender_referral(self, sender_id: str, reference: str) -> ReferralRow | None:
        """The referral with this number if this sender made it; None otherwise, whoever else made it."""
        with Session(self.engine) as session:
            return session.scalar(_owned(sender_id, reference))

    def cancel_referral(self, sender_id: str, reference: str, cancellable: tuple[str, ...]) -> str | None:
        """Marks the sender's referral cancelled (kept, with the change in its history) when its status is
        one of `cancellable`; returns the status it had, None when the sender has no such referral."""
        with self._session.begin() as session:
            row = session.scalar(_owned(sender_id, reference).with_for_update())
            if row is None:
                return None
            old = row.status
            if old in cancellable:
                event = {"at": _now().isoformat(), "by": "用户", "from": old, "to": "cancelled"}
                row.history = [*(row.history or []), event]  # a new list, so it is saved
                row.status = "cancelled"
            return old

    def add_referral(self, sender_id: str, referral: Referral) -> int:
        with self._session.begin() as session:
            reference = _free_reference(session, referral.reference)
            row = ReferralRow(sender_id=sender_id, **{**referral.model_dump(), "reference": reference})
            session.add(row)
            session.flush()
            return row.id

    def add_checkup_report(self, sender_id: str, report: dict[str, Any]) -> str:
        """Keep a check-up report; returns the unguessable token of its print page."""
        token = secrets.token_urlsafe(24)
        with self._session.begin() as session:
            session.add(CheckupReportRow(token=token, sender_id=sender_id, data=json.dumps(report)))
        return token

    def checkup_report(self, token: str, not_before: datetime) -> dict[str, Any] | None:
        """The report of a token, or None when unknown or made before `not_before` (expired)."""
        with self._session() as session:
            row = session.get(CheckupReportRow, token)
            if row is None or _aware(row.created_at) < not_before:
                return None
            loaded: dict[str, Any] = json.loads(row.data)
            return loaded

    def add_feedback(
        self,
        sender_id: str,
        rating: str,
        question: str,
        answer: str,
        turn_key: str | None = None,
        *,
        reason: str | None = None,
        comment: str | None = None,
    ) -> int:
        try:
            with self._session.begin() as session:
                row = FeedbackRow(sender_id=sender_id, rating=rating, question=question, answer=answer)
                row.turn_key, row.reason, row.comment = turn_key, reason, comment
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError as error:
            raise DuplicateFeedbackError(turn_key or "") from error

    def add_closing_rating(self, sender_id: str, rating: str) -> int:
        """One satisfaction rating per recorded conversation."""
        with self._session.begin() as session:
            if session.scalar(select(TurnRow.id).where(TurnRow.sender_id == sender_id).limit(1)) is None:
                raise UnknownConversationError(sender_id)
            mine = (FeedbackRow.sender_id == sender_id, FeedbackRow.kind == CLOSING)
            if session.scalar(select(FeedbackRow.id).where(*mine).limit(1)) is not None:
                raise DuplicateFeedbackError(sender_id)
            row = FeedbackRow(sender_id=sender_id, rating=rating, kind=CLOSING)
            session.add(row)
            session.flush()
            return row.id

    def turn(self, turn_key: str) -> TurnRow | None:
        with Session(self.engine) as session:
            return session.scalars(select(TurnRow).where(TurnRow.turn_key == turn_key)).first()

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


def _asked_contact_before(session: Session, sender_id: str) -> bool:
    """True when the sender's last recorded turn ended with the bot asking for contact details."""
    return bool(session.scalar(_LAST_ASKED_CONTACT, {"sender": sender_id}))


def _free_reference(session: Session, told: str) -> str:
    """The number the user was told, or a new one when it is missing (older payloads) or already taken."""
    reference = told
    while not reference or session.scalar(select(ReferralRow.id).where(ReferralRow.reference == reference)):
        reference = new_reference()
    return reference


def _owned(sender_id: str, reference: str) -> Select[ReferralRow]:
    return select(ReferralRow).where(ReferralRow.reference == reference, ReferralRow.sender_id == sender_id)


def _without(text_: str, values: list[str]) -> str:
    for value in values:
        if value and len(value) >= 2:
            text_ = text_.replace(value, MASK)
    return text_


# The copies of a sender's words (and the bot's echo of them) that staff read: masked when a referral
# names the person; the referral itself is the one consented place for them.
SCRUBBED: tuple[tuple[type[TurnRow] | type[FeedbackRow], tuple[str, ...]], ...] = (
    (TurnRow, ("message", "answer")),
    (FeedbackRow, ("question", "answer", "comment")),
)


def _scrub(session: Session, sender_id: str, values: list[str]) -> None:
    """Masks a referral's name and company wherever the sender's earlier turns and feedback hold them."""
    for table, columns in SCRUBBED:
        for row in session.scalars(select(table).where(table.sender_id == sender_id)):
            for column in columns:
                if text_ := getattr(row, column):
                    setattr(row, column, _without(text_, values))  # written at commit when it changed
