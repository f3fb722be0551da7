"""/admin/api/publish: admins publish the draft as a new live index; progress and history for all staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from service.admin.changes import pending_changes
from service.admin.deps import AdminDep, StaffDep, StateDep, client_ip
from service.admin.freshness import overdue_count
from service.admin.indexing import live_build
from service.admin.models import PublishRow
from service.admin.publish import STAGES
from service.admin.review import CHINA
from service.admin.state import AdminState

router = APIRouter(prefix="/admin/api/publish", tags=["admin"])


def publish_body(row: PublishRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "stage": row.stage,
        "stage_label": STAGES.get(row.stage, row.stage),
        "progress": row.progress,
        "message": row.message,
        "build_id": row.build_id,
        "started_by": row.started_by,
        "started_at": row.started_at.isoformat(),
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "duration_s": row.duration_s,
        "draft_version": row.draft_version,
    }


def freshness_warning(state: AdminState) -> dict[str, Any]:
    """How many entries the publish would put live although they are overdue for review."""
    count = overdue_count(state.store, datetime.now(CHINA).date(), state.admin.freshness_months)
    text = (
        f"将发布{count}条需复核的条目（状态未知、来源未注明日期或超过{state.admin.freshness_months}个月）；"
        "机器人回答时会提示信息可能已变化。请在“信息时效”中复核。"
        if count
        else ""
    )
    return {"overdue_entries": count, "freshness_warning": text}


@router.post("", status_code=202)
def start(user: AdminDep, state: StateDep, request: Request) -> dict[str, Any]:
    publish_id = state.publisher.start(user.username)
    warning = freshness_warning(state)
    detail = warning["freshness_warning"] and f"需复核{warning['overdue_entries']}条"
    state.store.audit(user.username, "publish", f"发布 #{publish_id}", detail, ip=client_ip(request))
    row = state.publisher.get(publish_id)
    if row is None:  # pragma: no cover  # the row was written just above
        raise HTTPException(status_code=500, detail="发布任务记录丢失")
    return {**publish_body(row), **warning}


@router.get("")
def overview(_: StaffDep, state: StateDep) -> dict[str, Any]:
    """Live build, the entries the draft changed since the last successful publish, recent runs.

    Before any publish the live index is the one built from knowledge/, which the draft was seeded from.
    """
    last = state.publisher.last_success()
    live = live_build(state.settings.index_dir)
    changes = pending_changes(state.store, last.draft_version if last else None)
    return {
        "live_build": live,
        "draft_revision": state.store.revision(),
        "unpublished_changes": bool(changes),
        "changes": [change.as_dict() for change in changes],
        # False when e.g. `python -m retrieval build` replaced the published index from knowledge/
        "live_is_last_publish": last is not None and last.build_id == live,
        "history": [publish_body(row) for row in state.publisher.history()],
        **freshness_warning(state),
    }


@router.get("/{publish_id}")
def progress(publish_id: int, _: StaffDep, state: StateDep) -> dict[str, Any]:
    row = state.publisher.get(publish_id)
    if row is None:
        raise HTTPException(status_code=404, detail="发布任务不存在")
    return publish_body(row)
