"""Admin dependencies: the shared state, the logged-in staff member, role and CSRF checks."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from service.admin.auth import StaffUser
from service.admin.state import AdminState

SESSION_COOKIE = "ipgp_admin"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

NOT_LOGGED_IN = "请先登录"
NOT_ADMIN = "需要管理员权限"
CSRF_FAILED = "安全校验失败（CSRF），请刷新页面后重试"


def get_state(request: Request) -> AdminState:
    state: AdminState = request.app.state.admin
    return state


StateDep = Annotated[AdminState, Depends(get_state)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def require_staff(request: Request, state: StateDep) -> StaffUser:
    """Any logged-in staff member (401 otherwise); state-changing requests must carry the CSRF token."""
    user = state.accounts.session_user(request.cookies.get(SESSION_COOKIE, ""))
    if user is None:
        raise HTTPException(status_code=401, detail=NOT_LOGGED_IN)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent.encode(), user.csrf_token.encode()):
            raise HTTPException(status_code=403, detail=CSRF_FAILED)
    return user


StaffDep = Annotated[StaffUser, Depends(require_staff)]


def require_admin(user: StaffDep) -> StaffUser:
    if not user.is_admin:
        raise HTTPException(status_code=403, detail=NOT_ADMIN)
    return user


AdminDep = Annotated[StaffUser, Depends(require_admin)]
