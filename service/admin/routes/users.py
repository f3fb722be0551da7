"""/admin/api/users and /admin/api/audit: admins manage staff accounts and read the audit log."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from service.admin.auth import USERNAME_PATTERN
from service.admin.deps import AdminDep, StateDep, client_ip
from service.admin.models import UserRow
from service.admin.review import local_time
from service.admin.state import AdminState

router = APIRouter(prefix="/admin/api", tags=["admin"])

ROLE_LABELS = {"editor": "编辑", "admin": "管理员"}


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=USERNAME_PATTERN)
    password: str = Field(max_length=256)
    role: Literal["editor", "admin"] = "editor"


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["editor", "admin"] | None = None
    active: bool | None = None
    password: str | None = Field(default=None, max_length=256)
    unlock: bool = False


def user_body(row: UserRow, state: AdminState) -> dict[str, Any]:
    locked = state.accounts.throttle.waiting(row.username)  # in a login backoff wait right now
    return {
        "id": row.id,
        "username": row.username,
        "role": row.role,
        "role_label": ROLE_LABELS.get(row.role, row.role),
        "active": row.active,
        "locked": locked,
        "created_at": local_time(row.created_at),
        "last_login_at": local_time(row.last_login_at) if row.last_login_at else None,
    }


@router.get("/users")
def list_users(_: AdminDep, state: StateDep) -> list[dict[str, Any]]:
    return [user_body(row, state) for row in state.accounts.users()]


@router.post("/users", status_code=201)
def create_user(body: UserCreate, user: AdminDep, state: StateDep, request: Request) -> dict[str, Any]:
    row = state.accounts.create_user(body.username, body.password, body.role)
    state.store.audit(
        user.username, "user_create", f"用户 {row.username}", f"角色 {row.role}", client_ip(request)
    )
    return user_body(row, state)


@router.patch("/users/{user_id}")
def update_user(
    user_id: int, body: UserUpdate, user: AdminDep, state: StateDep, request: Request
) -> dict[str, Any]:
    target = state.accounts.user(user_id)
    demoting = (body.role == "editor" or body.active is False) and target.role == "admin" and target.active
    if demoting and state.accounts.admin_count() <= 1:
        raise HTTPException(status_code=422, detail="至少需要保留一名启用的管理员")
    row = state.accounts.update_user(
        user_id, role=body.role, active=body.active, password=body.password, unlock=body.unlock
    )
    changes = [f"{k}={v}" for k, v in body.model_dump(exclude={"password"}, exclude_none=True).items()]
    if body.password is not None:
        changes.append("password=已重置")
    state.store.audit(
        user.username, "user_update", f"用户 {row.username}", "，".join(changes), client_ip(request)
    )
    return user_body(row, state)


@router.get("/audit")
def audit(
    _: AdminDep, state: StateDep, actor: str | None = None, limit: int = Query(default=200, ge=1, le=2000)
) -> list[dict[str, Any]]:
    return [
        {
            "id": row.id,
            "time": local_time(row.created_at),
            "actor": row.actor,
            "action": row.action,
            "target": row.target,
            "detail": row.detail,
            "ip": row.ip,
        }
        for row in state.store.audit_log(limit, actor)
    ]
