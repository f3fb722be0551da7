"""/admin/api/login, logout and session: staff sign in with a password and get an HttpOnly cookie."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from service.admin.auth import LoginFailedError, LoginThrottledError
from service.admin.deps import SESSION_COOKIE, StaffDep, StateDep, client_ip

router = APIRouter(prefix="/admin/api", tags=["admin"])


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


def session_body(username: str, role: str, csrf_token: str) -> dict[str, Any]:
    return {"username": username, "role": role, "csrf_token": csrf_token}


@router.post("/login")
def login(body: LoginRequest, request: Request, response: Response, state: StateDep) -> dict[str, Any]:
    ip = client_ip(request)
    try:
        result = state.accounts.login(body.username, body.password, ip)
    except LoginThrottledError as throttled:
        state.store.audit(body.username, "login_throttled", ip=ip)
        seconds = max(1, math.ceil(throttled.wait_s))
        raise HTTPException(
            status_code=429,
            detail=f"登录失败次数较多，请{seconds}秒后再试",
            headers={"Retry-After": str(seconds)},
        ) from None
    except LoginFailedError:
        state.store.audit(body.username, "login_failed", ip=ip)
        raise HTTPException(status_code=401, detail="用户名或密码错误") from None
    state.store.audit(result.user.username, "login", ip=ip)
    state.warm_soon()
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        max_age=state.admin.session_minutes * 60,
        path="/admin",
        httponly=True,
        samesite="strict",
        secure=state.admin.secure_cookies(state.settings),
    )
    return session_body(result.user.username, result.user.role, result.user.csrf_token)


@router.post("/logout")
def logout(user: StaffDep, request: Request, response: Response, state: StateDep) -> dict[str, str]:
    state.accounts.logout(request.cookies.get(SESSION_COOKIE, ""))
    state.store.audit(user.username, "logout", ip=client_ip(request))
    response.delete_cookie(SESSION_COOKIE, path="/admin", httponly=True, samesite="strict")
    return {"detail": "已退出登录"}


@router.get("/session")
def session(user: StaffDep) -> dict[str, Any]:
    return session_body(user.username, user.role, user.csrf_token)
