"""/admin/api/users, password and audit: admins manage staff accounts (and reset forgotten passwords),
anyone changes their own password, admins read the audit log."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from service.admin.auth import USERNAME_PATTERN, LoginFailedError
from service.admin.deps import SESSION_COOKIE, AdminDep, StaffDep, StateDep, client_ip
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


@router.post("/users/{user_id}/reset-password")
def reset_password(user_id: int, user: AdminDep, state: StateDep, request: Request) -> dict[str, Any]:
    """For staff who forgot their password: a temporary one, shown once, for the admin to pass on."""
    if user_id == user.id:
        raise HTTPException(status_code=422, detail="不能重置自己的密码，请在“修改密码”中修改")
    row, temporary = state.accounts.reset_password(user_id)
    ip = client_ip(request)
    state.store.audit(user.username, "password_reset", f"用户 {row.username}", "临时密码已生成", ip)
    return {**user_body(row, state), "temporary_password": temporary}


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current: str = Field(min_length=1, max_length=256)
    new: str = Field(max_length=256)


@router.post("/password")
def change_password(
    body: PasswordChange, user: StaffDep, state: StateDep, request: Request
) -> dict[str, str]:
    """Anyone's own password, e.g. replacing a temporary one; their other sessions end."""
    try:
        state.accounts.change_own_password(
            user.id, body.current, body.new, request.cookies.get(SESSION_COOKIE, "")
        )
    except LoginFailedError:
        raise HTTPException(status_code=422, detail="当前密码不正确") from None
    state.store.audit(user.username, "password_change", f"用户 {user.username}", "", client_ip(request))
    return {"detail": "密码已修改"}


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
