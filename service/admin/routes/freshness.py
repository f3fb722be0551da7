"""/admin/api/freshness: entries by source age and status; 已复核 records who, when and against what."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from retrieval.audit import AuditRow, summarize
from retrieval.freshness import Reason
from service.admin.deps import StaffDep, StateDep, client_ip
from service.admin.editing import entry_body
from service.admin.entities import validate
from service.admin.freshness import freshness_rows, reviewable
from service.admin.kinds import KINDS, label_of
from service.admin.review import CHINA
from service.admin.state import AdminState
from service.admin.store import describe

router = APIRouter(prefix="/admin/api/freshness", tags=["admin"])


def today() -> date:
    """Staff work in Shanghai dates."""
    return datetime.now(CHINA).date()


def rows_for(state: AdminState) -> list[AuditRow]:
    return freshness_rows(state.store, today(), state.admin.freshness_months)


@router.get("")
def freshness(
    _: StaffDep,
    state: StateDep,
    kind: str | None = None,
    status: Literal["current", "historical", "unknown"] | None = None,
    reason: Reason | None = None,
    overdue: bool | None = None,
    q: str = "",
) -> dict[str, Any]:
    """The whole draft's counts, and the entries that pass the filters (overdue and oldest first)."""
    if kind is not None and not (kind in KINDS and KINDS[kind].searched):
        raise HTTPException(status_code=422, detail=f"未知的类别：{kind}")
    rows = rows_for(state)
    shown = [
        row.as_dict()
        for row in rows
        if (kind is None or row.entry.kind == kind)
        and (status is None or row.entry.status.value == status)
        and (reason is None or reason in row.freshness.reasons)
        and (overdue is None or row.overdue == overdue)
        and (not q or q in row.entry.id or q in row.entry.title or q in row.entry.source)
    ]
    for item in shown:
        item["reviewable"] = reviewable(item["kind"])
    return {
        "today": today().isoformat(),
        "max_age_months": state.admin.freshness_months,
        "summary": summarize(rows),
        "entries": shown,
    }


class ReviewIn(BaseModel):
    """What the entry was checked against: a named source, e.g. a page and the day it was read."""

    model_config = ConfigDict(extra="forbid")

    against: str = Field(min_length=2, max_length=300)


@router.post("/{kind}/{key}/review")
def review(
    kind: str, key: str, body: ReviewIn, user: StaffDep, state: StateDep, request: Request
) -> dict[str, Any]:
    """已复核: a new version of the entry records who checked it, today, and against what."""
    if not reviewable(kind):
        raise HTTPException(status_code=400, detail=f"{label_of(kind)}不支持复核记录")
    entry = state.store.get(kind, key)
    raw = {
        **entry.data,
        "reviewed_by": user.username,
        "reviewed_on": today().isoformat(),
        "reviewed_against": body.against.strip(),
    }
    checked = validate(kind, raw, state.store.locations())
    saved = state.store.update(kind, key, checked.data, user.username, entry.version)
    state.store.audit(
        user.username,
        "review",
        describe(kind, key, checked.data),
        f"核对依据：{body.against.strip()}",
        client_ip(request),
    )
    return entry_body(saved)
