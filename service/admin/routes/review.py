"""/admin/api/conversations and dashboard: questions to review, whole conversations, charts."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from retrieval.schema import UNSTATED
from service.admin.dashboard import dashboard
from service.admin.deps import StaffDep, StateDep, client_ip
from service.admin.editing import entry_body, save_new
from service.admin.freshness import overdue_count
from service.admin.publish import PLACEHOLDER
from service.admin.review import (
    CHINA,
    Period,
    conversation,
    csv_response,
    local_time,
    review_items,
    review_question,
    to_csv,
)
from service.deps import StoreDep

router = APIRouter(prefix="/admin/api", tags=["admin"])


@router.get("/conversations", response_model=None)
def conversations(
    _: StaffDep,
    store: StoreDep,
    kind: Literal["fallback", "closest", "thumbs_down"] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
    format: Literal["json", "csv"] = "json",
) -> list[dict[str, Any]] | Response:
    items = review_items(store, kind, Period(date_from, date_to), q)
    if format == "csv":
        rows = (
            (i["id"], i["kind_label"], i["created_at"], i["channel"], i["question"], i["answer"])
            for i in items
        )
        return csv_response(
            to_csv(("编号", "类型", "时间", "渠道", "问题", "机器人回答"), rows), "conversations.csv"
        )
    return [{**item, "created_at": local_time(item["created_at"])} for item in items]


@router.get("/conversation")
def whole_conversation(
    _: StaffDep, store: StoreDep, sender: str = Query(min_length=1, max_length=128)
) -> dict[str, Any]:
    """Every turn of one conversation (by its sender id, e.g. web:abc), oldest first."""
    found = conversation(store, sender)
    if found is None:
        raise HTTPException(status_code=404, detail="会话记录不存在（可能已按保留期限删除）")
    return found


def _faq_id(state_keys: set[str], item_id: str) -> str:
    base = "draft-" + re.sub(r"[^a-z0-9]+", "-", item_id.lower()).strip("-")
    key, n = base, 2
    while key in state_keys:
        key, n = f"{base}-{n}", n + 1
    return key


@router.post("/conversations/{item_id}/faq", status_code=201)
def to_faq(
    item_id: str, user: StaffDep, state: StateDep, store: StoreDep, request: Request
) -> dict[str, Any]:
    """One click: the question becomes a draft FAQ; staff fill in answer and source before publishing."""
    question = review_question(store, item_id)
    if question is None:
        raise HTTPException(status_code=404, detail="会话记录不存在")
    keys = {e.key for e in state.store.entries("faq")}
    raw = {
        "id": _faq_id(keys, item_id),
        "question": question,
        "alternatives": [],
        "answer": PLACEHOLDER,
        "source": PLACEHOLDER,
        "source_date": UNSTATED,
        "status": "unknown",  # staff set it with the answer and source
    }
    return entry_body(save_new(state, "faq", raw, user.username, client_ip(request)))


@router.get("/dashboard")
def get_dashboard(
    _: StaffDep, state: StateDep, store: StoreDep, days: int = Query(default=30, ge=1, le=366)
) -> dict[str, Any]:
    names = {e.key: str(e.data.get("name", e.key)) for e in state.store.entries("station")}
    today = datetime.now(CHINA).date()
    board = dashboard(store, today, days, names)
    board["overdue_entries"] = overdue_count(state.store, today, state.admin.freshness_months)
    return board
