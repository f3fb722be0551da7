"""Rasa's SQL tracker store reads and writes events with statements built once (runs inside Rasa).

Rasa 3.6's `SQLTrackerStore` builds an ORM query with a subquery for every read, counts the stored
events of the session with another one on every save, and adds each new event as an ORM object. Under
load that was about a quarter of Rasa's CPU per turn, most of it SQLAlchemy compiling and hashing the
same statements again. Here the three statements (the session's rows, all rows, the session's row count)
are built once per store from Rasa's own table, so SQLAlchemy's cache key is computed once, and new
events go in as one executemany. Same rows, same order, same columns: `tests/service/test_rasa_entry.py`
compares reads and the stored rows with Rasa's own.

Python 3.10 only (Rasa's venv): imports Rasa and SQLAlchemy 1.4.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

SESSION_STARTED = "session_started"  # rasa.shared.core.events.SessionStarted.type_name


@dataclass(frozen=True)
class EventStatements:
    """The tracker store's statements over Rasa's `events` table, each with a `sender_id` parameter."""

    session_rows: Any  # data of the latest session's events (all events when no session started), by id
    all_rows: Any  # data of every event of the sender, by id
    session_count: Any  # how many rows `session_rows` returns
    insert: Any

    @classmethod
    def of(cls, table: Any) -> EventStatements:
        import sqlalchemy as sa

        sender = table.c.sender_id == sa.bindparam("sender_id")
        latest_start = (
            sa.select(sa.func.max(table.c.timestamp))
            .where(sender, table.c.type_name == SESSION_STARTED)
            .scalar_subquery()
        )
        in_session = sa.or_(table.c.timestamp >= latest_start, latest_start.is_(None))
        return cls(
            session_rows=sa.select(table.c.data).where(sender, in_session).order_by(table.c.id),
            all_rows=sa.select(table.c.data).where(sender).order_by(table.c.id),
            session_count=sa.select(sa.func.count()).select_from(table).where(sender, in_session),
            insert=table.insert(),
        )


def statements(store: Any) -> EventStatements:
    """The store's statements, built on first use."""
    built: EventStatements | None = getattr(store, "_ipgp_event_statements", None)
    if built is None:
        built = EventStatements.of(store.SQLEvent.__table__)
        store._ipgp_event_statements = built
    return built


def row_of(sender_id: str, event: Any) -> dict[str, Any]:
    """The `events` row Rasa writes for one event."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def install() -> None:
    """Replace SQLTrackerStore's reads, unsaved-event count and save with the prebuilt statements."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    if getattr(SQLTrackerStore.save, "prebuilt_statements", False):
        return

    async def _retrieve(self: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        built = statements(self)
        query = built.all_rows if fetch_events_from_all_sessions else built.session_rows
        with self.session_scope() as session:
            events = [json.loads(data) for data in session.execute(query, {"sender_id": sender_id}).scalars()]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _additional_events(self: Any, session: Any, tracker: Any) -> Any:
        stored = session.execute(statements(self).session_count, {"sender_id": tracker.sender_id}).scalar()
        return list(tracker.events)[stored:]

    async def save(self: Any, tracker: Any) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [row_of(tracker.sender_id, event) for event in self._additional_events(session, tracker)]
            if rows:
                session.execute(statements(self).insert, rows)
            session.commit()

    save.prebuilt_statements = True  # type: ignore[attr-defined]
    SQLTrackerStore._retrieve = _retrieve
    SQLTrackerStore._additional_events = _additional_events
    SQLTrackerStore.save = save
