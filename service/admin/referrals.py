"""Referrals (handovers to people) for staff: filters, status changes and notes, kept as a history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.admin.models import utcnow
from service.admin.review import Period, _within, local_time
from service.handover.desk import status_labels
from service.store import ReferralRow, Store

REFERRAL_STATUS_LABELS = status_labels()  # the same words the user sees when asking by number
REFERRAL_STATUSES = tuple(REFERRAL_STATUS_LABELS)  # new, contacted, closed, cancelled (the user can cancel)


class ReferralNotFoundError(Exception):
    """No referral with this id."""


def referrals(
    store: Store, period: Period, status: str = "", station: str = "", text: str = ""
) -> list[ReferralRow]:
    """Newest first; text matches the reference number (any case), contact, company, question or a note."""
    with Session(store.engine) as session:
        query = _within(select(ReferralRow), ReferralRow.created_at, period).order_by(ReferralRow.id.desc())
        if status:
            query = query.where(ReferralRow.status == status)
        if station:
            query = query.where(ReferralRow.station_id == station)
        rows = list(session.scalars(query))
    return [row for row in rows if not text or text.casefold() in searchable(row)]


def referral(store: Store, referral_id: int) -> ReferralRow:
    with Session(store.engine) as session:
        row = session.get(ReferralRow, referral_id)
        if row is None:
            raise ReferralNotFoundError(str(referral_id))
        return row


def searchable(row: ReferralRow) -> str:
    notes = " ".join(event.get("note", "") for event in row.history or [])
    return " ".join((row.reference or "", row.name, row.company, row.phone, row.question, notes)).casefold()


Event = dict[str, str]


def _record(store: Store, referral_id: int, event_of: Callable[[ReferralRow], Event | None]) -> str:
    """Append the event made from the locked row (None: nothing happened); returns the status before."""
    with Session(store.engine) as session, session.begin():
        row = session.scalar(select(ReferralRow).where(ReferralRow.id == referral_id).with_for_update())
        if row is None:
            raise ReferralNotFoundError(str(referral_id))
        old = row.status
        event = event_of(row)
        if event is not None:
            row.history = [*(row.history or []), {"at": utcnow().isoformat(), **event}]  # new list: saved
            row.status = event.get("to", old)
        return old


def set_status(store: Store, referral_id: int, status: str, author: str) -> str:
    """Change a referral's status and record who did it; returns the old status."""
    return _record(
        store,
        referral_id,
        lambda row: None if row.status == status else {"by": author, "from": row.status, "to": status},
    )


def add_note(store: Store, referral_id: int, note: str, author: str) -> None:
    _record(store, referral_id, lambda _: {"by": author, "note": note})


def history_body(events: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """History for the page, oldest first, with times in Shanghai and statuses in Chinese."""
    shown = []
    for event in events or []:
        text = event.get("note") or "状态：{} → {}".format(
            REFERRAL_STATUS_LABELS.get(event.get("from", ""), event.get("from", "")),
            REFERRAL_STATUS_LABELS.get(event.get("to", ""), event.get("to", "")),
        )
        kind = "note" if "note" in event else "status"
        at = local_time(datetime.fromisoformat(event["at"]))
        shown.append({"at": at, "by": event["by"], "kind": kind, "text": text})
    return shown


def referral_body(row: ReferralRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "reference": row.reference or "",
        "name": row.name,
        "company": row.company,
        "phone": row.phone,
        "station_id": row.station_id,
        "station_type": row.station_type,
        "question": row.question,
        "status": row.status,
        "status_label": REFERRAL_STATUS_LABELS.get(row.status, row.status),
        "created_at": local_time(row.created_at),
        "sender_id": row.sender_id,  # the conversation it came from
        "history": history_body(row.history),
    }
