"""Conversation review over the gateway store: questions to review, whole conversations, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, Literal, TypeVar

from fastapi.responses import Response
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from service.admin.models import aware
from service.store import FeedbackRow, ReferralRow, Store, TurnRow

ReviewKind = Literal["fallback", "closest", "thumbs_down"]
REVIEW_KIND_LABELS = {"fallback": "未能回答", "closest": "最接近匹配", "thumbs_down": "点踩"}
CHINA = timezone(timedelta(hours=8))  # dates staff pick are Shanghai dates


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


def _turn_item(turn: TurnRow, kind: str) -> dict[str, Any]:
    return {
        "id": f"turn-{turn.id}",
        "kind": kind,
        "question": turn.message,
        "answer": turn.answer or "",
        "channel": turn.channel,
        "sender_id": turn.sender_id,
        "created_at": aware(turn.created_at),
    }


def review_items(
    store: Store, kind: ReviewKind | None, period: Period, text: str = ""
) -> list[dict[str, Any]]:
    """Fallback questions, closest-match answers and thumbs-down answers, newest first;
    ids are 'turn-N' / 'feedback-N'; each names its conversation (sender_id)."""
    items: list[dict[str, Any]] = []
    with Session(store.engine) as session:
        if kind in (None, "fallback"):
            query = _within(select(TurnRow).where(TurnRow.fallback.is_(True)), TurnRow.created_at, period)
            items += [_turn_item(turn, "fallback") for turn in session.scalars(query)]
        if kind in (None, "closest"):
            closest = select(TurnRow).where(TurnRow.tier == "closest", TurnRow.fallback.is_(False))
            items += [
                _turn_item(turn, "closest")
                for turn in session.scalars(_within(closest, TurnRow.created_at, period))
            ]
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
                        "channel": row.sender_id.partition(":")[0] if ":" in row.sender_id else "",
                        "sender_id": row.sender_id,
                        "created_at": aware(row.created_at),
                    }
                )
    if text:
        items = [item for item in items if text in item["question"] or text in item["answer"]]
    items.sort(key=lambda item: item["created_at"], reverse=True)
    return [{**item, "kind_label": REVIEW_KIND_LABELS[item["kind"]]} for item in items]


def conversation(store: Store, sender_id: str) -> dict[str, Any] | None:
    """Every recorded turn of one conversation, oldest first, with its rating and the referrals made."""
    with Session(store.engine) as session:
        turns = list(
            session.scalars(select(TurnRow).where(TurnRow.sender_id == sender_id).order_by(TurnRow.id))
        )
        ratings = {
            row.turn_key: row.rating
            for row in session.scalars(select(FeedbackRow).where(FeedbackRow.sender_id == sender_id))
            if row.turn_key
        }
        referred = list(
            session.execute(
                select(
                    ReferralRow.id,
                    ReferralRow.reference,
                    ReferralRow.status,
                    ReferralRow.station_id,
                    ReferralRow.created_at,
                )
                .where(ReferralRow.sender_id == sender_id)
                .order_by(ReferralRow.id)
            )
        )
    if not turns and not referred:
        return None
    return {
        "sender_id": sender_id,
        "channel": turns[0].channel if turns else sender_id.partition(":")[0],
        "turns": [
            {
                "id": f"turn-{turn.id}",
                "created_at": local_time(turn.created_at),
                "question": turn.message,
                "answer": turn.answer or "",
                "fallback": turn.fallback,
                "tier": turn.tier,
                "rating": ratings.get(turn.turn_key or "", ""),
            }
            for turn in turns
        ],
        "referrals": [
            {
                "id": rid,
                "reference": reference or "",
                "status": status,
                "station_id": station,
                "created_at": local_time(at),
            }
            for rid, reference, status, station, at in referred
        ],
    }


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


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV with a BOM so that spreadsheet programs open the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return "\ufeff" + buffer.getvalue()


def csv_response(text: str, name: str) -> Response:
    """A CSV download that no cache keeps."""
    return Response(
        content=text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _cell(value: Any) -> str:
    text = local_time(value) if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # no formulas in spreadsheets
