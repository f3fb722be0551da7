"""Conversation review over the gateway store: unanswered questions, thumbs-down answers, referrals, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, Literal, TypeVar

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from service.admin.models import aware
from service.store import FeedbackRow, ReferralRow, Store, TurnRow

ReviewKind = Literal["fallback", "thumbs_down"]
REFERRAL_STATUSES = ("new", "contacted", "closed")
REFERRAL_STATUS_LABELS = {"new": "新建", "contacted": "已联系", "closed": "已结案"}
CHINA = timezone(timedelta(hours=8))  # dates staff pick are Shanghai dates


class ReferralNotFoundError(Exception):
    """No referral with this id."""


@dataclass(frozen=True)
class Period:
    """Inclusive Shanghai dates; None means open-ended."""

    start: date | None = None
    end: date | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        low = datetime.combine(self.start, time.min, CHINA) if self.start else None
        high = datetime.combine(self.end + timedelta(days=1), time.min, CHINA) if self.end else None
        return low, high


SelectT = TypeVar("SelectT", bound=Select)  # any row shape


def _within(query: SelectT, column: Any, period: Period) -> SelectT:
    low, high = period.bounds()
    if low is not None:
        query = query.where(column >= low.astimezone(UTC))
    if high is not None:
        query = query.where(column < high.astimezone(UTC))
    return query


def local_time(value: datetime) -> str:
    return aware(value).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def review_items(
    store: Store, kind: ReviewKind | None, period: Period, text: str = ""
) -> list[dict[str, Any]]:
    """Fallback questions and thumbs-down answers, newest first; ids are 'turn-N' / 'feedback-N'."""
    items: list[dict[str, Any]] = []
    with Session(store.engine) as session:
        if kind in (None, "fallback"):
            query = _within(select(TurnRow).where(TurnRow.fallback.is_(True)), TurnRow.created_at, period)
            for turn in session.scalars(query):
                items.append(
                    {
                        "id": f"turn-{turn.id}",
                        "kind": "fallback",
                        "question": turn.message,
                        "answer": "",
                        "channel": turn.channel,
                        "created_at": aware(turn.created_at),
                    }
                )
        if kind in (None, "thumbs_down"):
            downs = _within(
                select(FeedbackRow).where(FeedbackRow.rating == "down"), FeedbackRow.created_at, period
            )
            for row in session.scalars(downs):
                items.append(
                    {
                        "id": f"feedback-{row.id}",
                        "kind": "thumbs_down",
                        "question": row.question,
                        "answer": row.answer,
                        "channel": "",
                        "created_at": aware(row.created_at),
                    }
                )
    if text:
        items = [item for item in items if text in item["question"] or text in item["answer"]]
    items.sort(key=lambda item: item["created_at"], reverse=True)
    return items


def review_question(store: Store, item_id: str) -> str | None:
    """The question text of one review item, or None."""
    prefix, _, number = item_id.partition("-")
    if not number.isdigit():
        return None
    with Session(store.engine) as session:
        if prefix == "turn":
            turn = session.get(TurnRow, int(number))
            return turn.message if turn else None
        if prefix == "feedback":
            row = session.get(FeedbackRow, int(number))
            return row.question if row else None
    return None


def referrals(store: Store, period: Period, status: str = "", station: str = "") -> list[ReferralRow]:
    with Session(store.engine) as session:
        query = _within(select(ReferralRow), ReferralRow.created_at, period).order_by(ReferralRow.id.desc())
        if status:
            query = query.where(ReferralRow.status == status)
        if station:
            query = query.where(ReferralRow.station_id == station)
        return list(session.scalars(query))


def set_referral_status(store: Store, referral_id: int, status: str) -> str:
    """Change a referral's status; returns the old one."""
    with Session(store.engine) as session, session.begin():
        row = session.get(ReferralRow, referral_id)
        if row is None:
            raise ReferralNotFoundError(str(referral_id))
        old = row.status
        session.execute(update(ReferralRow).where(ReferralRow.id == referral_id).values(status=status))
        return old


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with a BOM so that spreadsheet programs open the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return "\ufeff" + buffer.getvalue()


def _cell(value: Any) -> str:
    text = local_time(value) if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # no formulas in spreadsheets
