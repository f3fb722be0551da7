"""Personal data over time: the retention purge and forgetting one person, in the gateway and Rasa stores."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete

from service.conversation import CHANNELS, conversation_id
from service.store import CheckupReportRow, FeedbackRow, PendingTurnRow, ReferralRow, Store, TurnRow

TABLES = (TurnRow, FeedbackRow, ReferralRow, PendingTurnRow, CheckupReportRow)


@dataclass(frozen=True)
class Deleted:
    """Rows deleted per store; a count of -1 means the store was not there to look at."""

    gateway: dict[str, int]
    tracker_events: int

    @property
    def total(self) -> int:
        return sum(count for count in (*self.gateway.values(), self.tracker_events) if count > 0)

    def summary(self) -> str:
        parts = [f"{name} {count}" for name, count in self.gateway.items()]
        return "，".join([*parts, f"Rasa 对话事件 {self.tracker_events}"])


def purge(store: Store, tracker_db: Path | None, older_than: datetime) -> Deleted:
    """Deletes turns, feedback, referrals, pending turns and Rasa tracker events older than the cutoff."""
    counts: dict[str, int] = {}
    with store.engine.begin() as connection:
        for table in TABLES:
            result = connection.execute(delete(table).where(table.created_at < older_than))
            counts[table.__tablename__] = result.rowcount
    statement = "DELETE FROM events WHERE timestamp < ?"
    return Deleted(counts, _tracker_delete(tracker_db, [(statement, (older_than.timestamp(),))]))


def purge_expired(store: Store, tracker_db: Path | None, days: int) -> Deleted:
    """The retention purge: everything older than `days` (IPGP_RETENTION_DAYS unless told otherwise)."""
    return purge(store, tracker_db, datetime.now(UTC) - timedelta(days=days))


def purge_audit_target(days: int) -> str:
    return f"{days} 天以前"


class BareSenderIdError(ValueError):
    """A sender id without its channel: "abc" could be a website visitor or a WeChat user."""


def forget(store: Store, tracker_db: Path | None, sender_id: str, *, all_channels: bool = False) -> Deleted:
    """Deletes everything kept about one conversation, named with its channel ("web:abc", "wechat:oX").

    With all_channels a bare id ("abc") stands for that id in every channel: a website visitor who chose a
    WeChat user's openid as sender id would be deleted with them, so it has to be asked for.
    """
    if all_channels:
        ids = {sender_id} | {conversation_id(channel, sender_id) for channel in CHANNELS}
    elif sender_id.partition(":")[0] in CHANNELS:
        ids = {sender_id}
    else:
        raise BareSenderIdError(sender_id)
    counts: dict[str, int] = {}
    with store.engine.begin() as connection:
        for table in TABLES:
            result = connection.execute(delete(table).where(table.sender_id.in_(ids)))
            counts[table.__tablename__] = result.rowcount
    statement = "DELETE FROM events WHERE sender_id = ?"
    return Deleted(counts, _tracker_delete(tracker_db, [(statement, (one,)) for one in sorted(ids)]))


def _tracker_delete(tracker_db: Path | None, statements: list[tuple[str, tuple[object, ...]]]) -> int:
    """Rasa's SQLite tracker store keeps one row per event in `events` (sender_id, timestamp, data)."""
    if tracker_db is None or not tracker_db.exists():
        return -1
    with sqlite3.connect(tracker_db) as connection:
        if not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'events'").fetchone():
            return 0
        return sum(connection.execute(statement, values).rowcount for statement, values in statements)
