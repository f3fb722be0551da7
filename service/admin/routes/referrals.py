"""/admin/api/referrals: handovers with contact details (admins only), status changes, notes, CSV."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from service.admin.deps import AdminDep, StateDep, client_ip
from service.admin.referrals import (
    REFERRAL_STATUS_LABELS,
    REFERRAL_STATUSES,
    add_note,
    referral,
    referral_body,
    referrals,
    set_status,
)
from service.admin.review import Period, csv_response, to_csv
from service.deps import StoreDep

router = APIRouter(prefix="/admin/api/referrals", tags=["admin"])
Status = Literal["new", "contacted", "closed", "cancelled"]  # REFERRAL_STATUSES


@router.get("", response_model=None)
def list_referrals(
    user: AdminDep,  # contact details: admins only
    state: StateDep,
    request: Request,
    store: StoreDep,
    status: Status | None = None,
    station: str = "",
    q: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    format: Literal["json", "csv"] = "json",
) -> list[dict[str, Any]] | Response:
    rows = referrals(store, Period(date_from, date_to), status or "", station, q.strip())
    if format == "json":
        return [referral_body(row) for row in rows]
    table = (
        (
            r.id,
            r.reference or "",
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
    header = ("序号", "转人工编号", "时间", "状态", "联系人", "企业", "电话", "站点", "问题")
    csv = csv_response(to_csv(header, table), "referrals.csv")
    state.store.audit(user.username, "referral_export", f"{len(rows)} 条转介", "", client_ip(request))
    return csv


class ReferralUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status


@router.patch("/{referral_id}")
def update_referral(
    referral_id: int, body: ReferralUpdate, user: AdminDep, state: StateDep, store: StoreDep, request: Request
) -> dict[str, Any]:
    old = set_status(store, referral_id, body.status, user.username)
    # Only the id and the statuses: contact details never reach the audit log.
    state.store.audit(
        user.username, "referral_status", f"转介 #{referral_id}", f"{old} → {body.status}", client_ip(request)
    )
    return {**referral_body(referral(store, referral_id)), "statuses": list(REFERRAL_STATUSES)}


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=1000)


@router.post("/{referral_id}/notes", status_code=201)
def note(
    referral_id: int, body: NoteIn, user: AdminDep, state: StateDep, store: StoreDep, request: Request
) -> dict[str, Any]:
    """A staff note (e.g. what was agreed on the phone); the audit log says one was added, not what."""
    text = body.note.strip()
    if not text:
        raise HTTPException(status_code=422, detail="备注不能为空")
    add_note(store, referral_id, text, user.username)
    state.store.audit(user.username, "referral_note", f"转介 #{referral_id}", "添加备注", client_ip(request))
    return referral_body(referral(store, referral_id))
