"""A withdrawn handover leaves no contact details in Rasa's tracker store (runs inside Rasa's process).

When the user cancels the handover form (or declines consent), the form's slots are cleared, but the
stored events still hold what was typed: the answers to the name, company and phone questions, the slot
values, and the bot's read-back. After Rasa has saved such a turn, the conversation's stored events are
rewritten in place: answers to a contact question (the bot's `contact_step` marker) become HIDDEN, and
every contact slot value left anywhere in the events becomes MASK. Rows keep their number and order, so
Rasa's append-only save (it counts stored events) is not disturbed. A completed referral is left alone:
its details are consented to, and the gateway may still need them from the tracker to record it.

The pure functions work on event dicts (Rasa's `as_dict()` form); `install` wraps SQLTrackerStore.save
(SQLite and PostgreSQL alike). Python 3.10 (Rasa's venv) and 3.11 both import this module.
"""

from __future__ import annotations

import json
from typing import Any

from actions.constants import CONTACT_SLOTS, SLOT_CONSENT

HIDDEN = "【联系信息，已删除】"
MASK = "***"


def withdrawn(events: list[dict[str, Any]]) -> bool:
    """True when the latest turn (events after the last user message) withdrew consent to a handover."""
    for event in reversed(events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == SLOT_CONSENT and event.get("value") is False:
            return True
    return False


def contact_answers(events: list[dict[str, Any]]) -> list[int]:
    """Indexes of the user messages that answered a contact question (the bot's last words asked one)."""
    found: list[int] = []
    asked = False
    for index, event in enumerate(events):
        if event.get("event") == "bot":
            custom = (event.get("data") or {}).get("custom")
            asked = isinstance(custom, dict) and bool(custom.get("contact_step"))
        elif event.get("event") == "user":
            if asked:
                found.append(index)
            asked = False
    return found


def scrub(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events with every answer to a contact question hidden and every contact value masked."""
    answers = set(contact_answers(events))
    values = {str(events[index].get("text") or "") for index in answers}
    for event in events:
        if event.get("event") == "slot" and event.get("name") in CONTACT_SLOTS:
            values.add(str(event.get("value") or ""))
    values = {value for value in values if len(value) >= 2}
    cleaned = []
    for index, event in enumerate(events):
        if index in answers:
            event = {**event, "text": HIDDEN}
            if isinstance(event.get("parse_data"), dict):
                event["parse_data"] = {**event["parse_data"], "text": HIDDEN, "entities": []}
        if event.get("event") == "slot" and event.get("name") in CONTACT_SLOTS and event.get("value"):
            event = {**event, "value": MASK}
        cleaned.append(_masked(event, values))
    return cleaned


def _masked(value: Any, secrets: set[str]) -> Any:
    if isinstance(value, str):
        for secret in sorted(secrets, key=len, reverse=True):  # a full answer before a name inside it
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {key: _masked(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, secrets) for item in value]
    return value


def install() -> None:
    """After SQLTrackerStore saves a turn that withdrew a handover, scrub the conversation's stored events."""
    from rasa.core.tracker_store import SQLTrackerStore

    if getattr(SQLTrackerStore.save, "scrubs_withdrawn_contact", False):
        return
    original = SQLTrackerStore.save

    async def save(self: Any, tracker: Any) -> None:
        await original(self, tracker)
        if withdrawn(latest_turn(tracker.events)):
            scrub_stored(self, tracker.sender_id)

    save.scrubs_withdrawn_contact = True  # type: ignore[attr-defined]
    SQLTrackerStore.save = save


def latest_turn(events: Any) -> list[dict[str, Any]]:
    """The last user message and what followed it, as dicts (only these are converted on every save)."""
    turn: list[dict[str, Any]] = []
    for event in reversed(events):
        turn.append(event.as_dict())
        if turn[-1].get("event") == "user":
            break
    return turn[::-1]


def scrub_stored(store: Any, sender_id: str) -> int:
    """Rewrites the sender's stored events (all sessions) in place; returns how many rows changed."""
    with store.session_scope() as session:
        rows = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender_id)
        rows = list(rows.order_by(store.SQLEvent.id))
        events = [json.loads(row.data) for row in rows]
        changed = 0
        for row, before, after in zip(rows, events, scrub(events), strict=True):
            if after != before:
                row.data = json.dumps(after)  # as Rasa writes it
                changed += 1
        session.commit()
    return changed
