"""/admin/api/versions: every change with author, time and a readable diff; restore any earlier version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from service.admin.deps import StaffDep, StateDep, client_ip
from service.admin.diff import field_changes
from service.admin.entities import title_of
from service.admin.kinds import label_of
from service.admin.models import VersionRow
from service.admin.store import describe

router = APIRouter(prefix="/admin/api/versions", tags=["admin"])

ACTION_LABELS = {"seed": "初始导入", "create": "新建", "update": "修改", "delete": "删除", "restore": "恢复"}


def version_body(row: VersionRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "kind_label": label_of(row.kind),
        "key": row.key,
        "version": row.version,
        "action": row.action,
        "action_label": ACTION_LABELS.get(row.action, row.action),
        "title": title_of(row.kind, row.data),
        "summary": row.summary,
        "author": row.author,
        "created_at": row.created_at.isoformat(),
        "deleted": row.data is None,
    }


@router.get("")
def list_versions(
    _: StaffDep,
    state: StateDep,
    kind: str | None = None,
    key: str | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    return [version_body(row) for row in state.store.versions(kind, key, limit)]


@router.get("/{version_id}")
def read_version(version_id: int, _: StaffDep, state: StateDep, against: int | None = None) -> dict[str, Any]:
    """The version with its data and its word-level changes from the previous version (or `against`)."""
    row = state.store.version(version_id)
    other = state.store.version(against) if against is not None else state.store.previous(row)
    before = other.data if other is not None else None
    return {
        **version_body(row),
        "data": row.data,
        "compared_with": other.id if other else None,
        "changes": field_changes(row.kind, before, row.data),
    }


@router.post("/{version_id}/restore")
def restore(version_id: int, user: StaffDep, state: StateDep, request: Request) -> dict[str, Any]:
    old = state.store.version(version_id)
    new = state.store.restore(version_id, user.username)
    state.store.audit(
        user.username,
        "restore",
        describe(old.kind, old.key, old.data or new.data),
        f"恢复到版本{old.version}，新版本{new.version}",
        client_ip(request),
    )
    return version_body(new)
