"""/admin/api/conversations, referrals and dashboard: what the bot could not answer, handovers, charts."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from retrieval.schema import UNSTATED
from service.admin.dashboard import dashboard
from service.admin.deps import AdminDep, StaffDep, StateDep, client_ip
from service.admin.editing import entry_body, save_new
from service.admin.freshness import overdue_count
from service.admin.publish import PLACEHOLDER
from service.admin.review import (
    CHINA,
    REFERRAL_STATUS_LABELS,
    REFERRAL_STATUSES,
    Period,
    local_time,
    referrals,
    review_items,
    review_question,
    set_referral_status,
    to_csv,
)
from service.deps import StoreDep

router = APIRouter(prefix="/admin/api", tags=["admin"])


def _csv(text: str, name: str) -> Response:
    return Response(
        content=text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get("/conversations", response_model=None)
def conversations(
    _: StaffDep,
    store: StoreDep,
    kind: Literal["fallback", "thumbs_down"] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    q: str = "",
    format: Literal["json", "csv"] = "json",
) -> list[dict[str, Any]] | Response:
    items = review_items(store, kind, Period(date_from, date_to), q)
    if format == "csv":
        rows = (
            (i["id"], i["kind"], i["created_at"], i["channel"], i["question"], i["answer"]) for i in items
        )
        return _csv(to_csv(("编号", "类型", "时间", "渠道", "问题", "机器人回答"), rows), "conversations.csv")
    return [{**item, "created_at": local_time(item["created_at"])} for item in items]


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


def referral_body(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "company": row.company,
        "phone": row.phone,
        "station_id": row.station_id,
        "station_type": row.station_type,
        "question": row.question,
        "status": row.status,
        "status_label": REFERRAL_STATUS_LABELS.get(row.status, row.status),
        "created_at": local_time(row.created_at),
    }


@router.get("/referrals", response_model=None)
def list_referrals(
    user: AdminDep,  # contact details: admins only
    state: StateDep,
    request: Request,
    store: StoreDep,
    status: Literal["new", "contacted", "closed"] | None = None,
    station: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    format: Literal["json", "csv"] = "json",
) -> list[dict[str, Any]] | Response:
    rows = referrals(store, Period(date_from, date_to), status or "", station)
    if format == "csv":
        table = (
            (
                r.id,
                r.created_at,
                REFERRAL_STATUS_LABELS.get(r.status, r.status),
                r.name,
                r.company,
                r.phone,
                r.station_id,
                r.question,
            )
            for r in rows
        )
        header = ("编号", "时间", "状态", "联系人", "企业", "电话", "站点", "问题")
        csv = _csv(to_csv(header, table), "referrals.csv")
        state.store.audit(user.username, "referral_export", f"{len(rows)} 条转介", "", client_ip(request))
        return csv
    return [referral_body(row) for row in rows]


class ReferralUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["new", "contacted", "closed"]


@router.patch("/referrals/{referral_id}")
def update_referral(
    referral_id: int, body: ReferralUpdate, user: AdminDep, state: StateDep, store: StoreDep, request: Request
) -> dict[str, Any]:
    old = set_referral_status(store, referral_id, body.status)
    # Only the id and the statuses: contact details never reach the audit log.
    state.store.audit(
        user.username, "referral_status", f"转介 #{referral_id}", f"{old} → {body.status}", client_ip(request)
    )
    return {"id": referral_id, "status": body.status, "statuses": list(REFERRAL_STATUSES)}


@router.get("/dashboard")
def get_dashboard(
    _: StaffDep, state: StateDep, store: StoreDep, days: int = Query(default=30, ge=1, le=366)
) -> dict[str, Any]:
    names = {e.key: str(e.data.get("name", e.key)) for e in state.store.entries("station")}
    today = datetime.now(CHINA).date()
    board = dashboard(store, today, days, names)
    board["overdue_entries"] = overdue_count(state.store, today, state.admin.freshness_months)
    return board
