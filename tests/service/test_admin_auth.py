"""Admin login, sessions, roles, CSRF and lockout."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service import admin
from service.admin.settings import AdminSettings
from service.admin.state import AdminState
from service.main import create_app
from service.settings import Settings
from tests.service.test_admin_helpers import (
    FAKE_ENCODER,
    FAST_HASHER,
    PASSWORD,
    FakeEncoder,
    Staff,
    login,
    write_knowledge,
)

pytest_plugins = ["tests.service.test_admin_helpers"]


def test_login_sets_httponly_strict_cookie_and_returns_csrf(admin_client: TestClient) -> None:
    response = admin_client.post("/admin/api/login", json={"username": "boss", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "admin" and len(body["csrf_token"]) >= 32
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
    session = admin_client.get("/admin/api/session")
    assert session.json() == body


def admin_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, concrete path) under /admin/api except login, path parameters filled in."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith("/admin/api") or path == "/admin/api/login":
            continue
        concrete = (
            path.replace("{key}", "x")
            .replace("{version_id}", "1")
            .replace("{publish_id}", "1")
            .replace("{item_id}", "turn-1")
            .replace("{referral_id}", "1")
            .replace("{user_id}", "1")
        )
        for method in operations:
            found.append((method.upper(), concrete + ("?q=x" if concrete.endswith("/search") else "")))
    return found


def test_every_admin_route_refuses_anonymous_requests(admin_app: FastAPI, admin_client: TestClient) -> None:
    routes = admin_routes(admin_app)
    assert len(routes) >= 35
    for method, path in routes:
        response = admin_client.request(method, path, json={})
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["detail"] == "请先登录"


def test_every_state_changing_route_needs_the_csrf_token(admin_app: FastAPI, boss: Staff) -> None:
    changing = [(m, p) for m, p in admin_routes(admin_app) if m not in ("GET", "HEAD")]
    assert len(changing) >= 15
    for method, path in changing:
        missing = boss.client.request(method, path, json={})
        wrong = boss.client.request(method, path, json={}, headers={"X-CSRF-Token": "forged"})
        for response in (missing, wrong):
            assert response.status_code == 403, (method, path, response.text)
            assert "CSRF" in response.json()["detail"]


def test_editors_get_403_on_admin_only_routes(editor: Staff) -> None:
    calls = [
        editor.post("/admin/api/publish"),
        editor.get("/admin/api/users"),
        editor.post("/admin/api/users", json={"username": "x1", "password": PASSWORD, "role": "admin"}),
        editor.patch("/admin/api/users/1", json={"role": "editor"}),
        editor.get("/admin/api/audit"),
    ]
    for response in calls:
        assert response.status_code == 403, response.text
        assert response.json()["detail"] == "需要管理员权限"
    assert editor.get("/admin/api/stations").status_code == 200  # but they may read and edit drafts


def test_wrong_password_is_refused_and_audited(admin_client: TestClient, state: AdminState) -> None:
    response = admin_client.post("/admin/api/login", json={"username": "boss", "password": "wrong-password"})
    assert response.status_code == 401
    assert response.json()["detail"] == "用户名或密码错误"
    unknown = admin_client.post("/admin/api/login", json={"username": "nobody", "password": "wrong-password"})
    assert unknown.json() == response.json()  # never tells which part was wrong
    actions = [(row.actor, row.action) for row in state.store.audit_log()]
    assert ("boss", "login_failed") in actions and ("nobody", "login_failed") in actions
    assert "set-cookie" not in response.headers


def test_repeated_failures_lock_the_account_until_an_admin_unlocks_it(
    admin_app: FastAPI, admin_client: TestClient, state: AdminState
) -> None:
    for _ in range(3):  # max_failed_logins=3 in the fixture
        admin_client.post("/admin/api/login", json={"username": "editor", "password": "wrong-password"})
    locked = admin_client.post("/admin/api/login", json={"username": "editor", "password": PASSWORD})
    assert locked.status_code == 429
    assert "锁定" in locked.json()["detail"]
    assert ("editor", "login_locked") in [(r.actor, r.action) for r in state.store.audit_log()]
    boss = login(admin_app, "boss")
    editor_id = next(u["id"] for u in boss.get("/admin/api/users").json() if u["username"] == "editor")
    assert next(u for u in boss.get("/admin/api/users").json() if u["id"] == editor_id)["locked"] is True
    assert boss.patch(f"/admin/api/users/{editor_id}", json={"unlock": True}).status_code == 200
    assert (
        admin_client.post("/admin/api/login", json={"username": "editor", "password": PASSWORD}).status_code
        == 200
    )


def test_logout_ends_the_session(boss: Staff, state: AdminState) -> None:
    assert boss.post("/admin/api/logout").status_code == 200
    assert boss.get("/admin/api/session").status_code == 401
    assert ("boss", "logout") in [(r.actor, r.action) for r in state.store.audit_log()]


def test_forged_or_expired_session_cookies_are_refused(boss: Staff, state: AdminState) -> None:
    from sqlalchemy import update

    from service.admin.models import SessionRow, utcnow

    forged = TestClient(boss.client.app, cookies={"ipgp_admin": "not-a-real-token"})
    assert forged.get("/admin/api/session").status_code == 401
    with state.accounts.sessions.begin() as session:
        session.execute(update(SessionRow).values(expires_at=utcnow()))
    assert boss.get("/admin/api/session").status_code == 401


def test_passwords_are_stored_as_argon2_hashes(state: AdminState) -> None:
    users = state.accounts.users()
    assert users and all(u.password_hash.startswith("$argon2id$") for u in users)
    assert all(PASSWORD not in u.password_hash for u in users)


def test_deactivating_a_user_ends_their_sessions(admin_app: FastAPI, boss: Staff, editor: Staff) -> None:
    editor_id = next(u["id"] for u in boss.get("/admin/api/users").json() if u["username"] == "editor")
    assert boss.patch(f"/admin/api/users/{editor_id}", json={"active": False}).status_code == 200
    assert editor.get("/admin/api/session").status_code == 401
    relogin = editor.client.post("/admin/api/login", json={"username": "editor", "password": PASSWORD})
    assert relogin.status_code == 401


def test_a_second_install_swaps_the_state_without_duplicating_routes(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", index_dir=tmp_path / "index", action_port=1)
    app = create_app(settings)
    admin.install(app, settings, AdminSettings(knowledge_dir=tmp_path / "none"))  # as create_app would
    before = len(app.openapi()["paths"])
    calls: list[int] = []

    def encoder() -> FakeEncoder:
        calls.append(1)
        return FAKE_ENCODER

    second = admin.install(
        app,
        settings,
        AdminSettings(knowledge_dir=write_knowledge(tmp_path / "k")),
        encoder=encoder,
        hasher=FAST_HASHER,
    )
    app.openapi_schema = None
    assert len(app.openapi()["paths"]) == before and app.state.admin is second
    with TestClient(app) as test_client:
        second.accounts.create_user("boss", PASSWORD, "admin")
        credentials = {"username": "boss", "password": PASSWORD}
        assert test_client.get("/admin/api/session").status_code == 401
        assert test_client.post("/admin/api/login", json=credentials).status_code == 200
        stations = test_client.get("/admin/api/stations").json()
        assert [s["key"] for s in stations] == ["north-station", "copyright-desk"]  # seeded by the new state
        for _ in range(50):  # the login warmed the (fake) model in the background, once
            if calls:
                break
            time.sleep(0.05)
        test_client.post("/admin/api/login", json=credentials)
    assert len(calls) == 1
