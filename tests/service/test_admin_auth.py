"""Admin login, sessions, roles, CSRF, login backoff and password resets."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service import admin
from service.admin.auth import LoginFailedError
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


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingHasher:
    """FAST_HASHER, counting what each login costs."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def hash(self, password: str) -> str:
        self.calls.append("hash")
        return FAST_HASHER.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.calls.append("verify")
        return FAST_HASHER.verify(password_hash, password)

    def check_needs_rehash(self, password_hash: str) -> bool:
        return False


def attempt(client: TestClient, username: str, password: str = "wrong-password") -> tuple[int, str]:
    response = client.post("/admin/api/login", json={"username": username, "password": password})
    return response.status_code, response.json().get("detail", "")


def test_failures_bring_a_short_backoff_not_a_lock(admin_client: TestClient, state: AdminState) -> None:
    clock = FakeClock()
    state.accounts.throttle.clock = clock
    for _ in range(4):  # max_failed_logins=3 in the fixture: the 4th failure costs a 1 s wait
        assert attempt(admin_client, "editor")[0] == 401
    waited = admin_client.post("/admin/api/login", json={"username": "editor", "password": PASSWORD})
    assert waited.status_code == 429 and waited.headers["retry-after"] == "1"
    assert waited.json()["detail"] == "登录失败次数较多，请1秒后再试"
    assert ("editor", "login_throttled") in [(r.actor, r.action) for r in state.store.audit_log()]
    for _ in range(4):  # hammering during the wait is refused but does not lengthen it
        assert attempt(admin_client, "editor")[0] == 429
    clock.now += 1.0
    assert attempt(admin_client, "editor", PASSWORD)[0] == 200  # the owner is back in after seconds


def test_a_name_backoff_is_capped_so_no_attacker_can_lock_a_colleague_out(state: AdminState) -> None:
    clock = FakeClock()
    throttle = state.accounts.throttle
    throttle.clock = clock
    for n in range(30):  # a patient attacker from many addresses, always waiting out the backoff
        throttle.failed(f"10.0.0.{n}", "editor")
        clock.now += throttle.wait_s(f"10.0.0.{n}", "editor")
    throttle.failed("10.0.0.99", "editor")
    assert throttle.wait_s("192.0.2.1", "editor") <= throttle.per_name.cap_s == 30.0


def test_one_ip_guessing_many_names_backs_off_for_all_of_them(state: AdminState) -> None:
    clock = FakeClock()
    throttle = state.accounts.throttle
    throttle.clock = clock
    for n in range(25):  # 20 free failures per IP by default
        throttle.failed("203.0.113.5", f"name{n}")
    assert throttle.wait_s("203.0.113.5", "someone-else") >= 16
    assert throttle.wait_s("198.51.100.7", "someone-else") == 0  # other addresses are not affected
    for n in range(25, 60):  # the doubling stops at IPGP_LOGIN_IP_BACKOFF_MAX_S (900 s)
        throttle.failed("203.0.113.5", f"name{n}")
    assert throttle.wait_s("203.0.113.5", "someone-else") == throttle.per_ip.cap_s == 900.0


def test_unknown_and_inactive_names_behave_exactly_like_known_ones(
    admin_app: FastAPI, admin_client: TestClient, state: AdminState
) -> None:
    admin_app.state.rates.login = None  # the edge's per-IP limit: tests/security/test_limits.py
    retired = state.accounts.create_user("retired", PASSWORD, "editor")
    state.accounts.update_user(retired.id, active=False)
    hasher = CountingHasher()
    state.accounts._hasher = hasher  # type: ignore[assignment]
    state.accounts.throttle.clock = FakeClock()
    answers: dict[str, list[tuple[int, str]]] = {}
    costs: dict[str, list[str]] = {}
    # a wrong password for a real name; any password for an unknown one; the right one for an inactive one
    tries = (("editor", "wrong-password"), ("nobody-here", "wrong-password"), ("retired", PASSWORD))
    for name, password in tries:
        hasher.calls.clear()
        answers[name] = [attempt(admin_client, name, password) for _ in range(6)]
        costs[name] = list(hasher.calls)
    assert answers["editor"] == answers["nobody-here"] == answers["retired"]
    assert [status for status, _ in answers["editor"]] == [401, 401, 401, 401, 429, 429]
    assert costs["editor"] == costs["nobody-here"] == costs["retired"] == ["verify"] * 4  # one argon2 each


def test_an_admin_resets_a_password_and_clears_a_backoff(
    admin_app: FastAPI, admin_client: TestClient, state: AdminState
) -> None:
    state.accounts.throttle.clock = FakeClock()
    editor = login(admin_app, "editor")
    for _ in range(5):
        attempt(admin_client, "editor")
    boss = login(admin_app, "boss")
    editor_id = next(u["id"] for u in boss.get("/admin/api/users").json() if u["username"] == "editor")
    assert next(u for u in boss.get("/admin/api/users").json() if u["id"] == editor_id)["locked"] is True
    new_password = "a-new-password-42"
    reset = boss.patch(f"/admin/api/users/{editor_id}", json={"password": new_password, "unlock": True})
    assert reset.status_code == 200 and reset.json()["locked"] is False
    assert editor.get("/admin/api/session").status_code == 401  # the old sessions end
    assert attempt(admin_client, "editor", PASSWORD)[0] == 401
    assert attempt(admin_client, "editor", new_password)[0] == 200
    audit = [(r.actor, r.action, r.detail) for r in state.store.audit_log()]
    assert any(who == "boss" and what == "user_update" and "password=已重置" in d for who, what, d in audit)
    short = boss.patch(f"/admin/api/users/{editor_id}", json={"password": "short"})
    assert short.status_code == 422


def test_a_forgotten_password_is_reset_by_an_admin_to_a_temporary_one(
    admin_app: FastAPI, admin_client: TestClient, state: AdminState
) -> None:
    state.accounts.throttle.clock = FakeClock()
    editor = login(admin_app, "editor")
    for _ in range(5):  # they tried to remember it
        attempt(admin_client, "editor")
    boss = login(admin_app, "boss")
    users = {u["username"]: u["id"] for u in boss.get("/admin/api/users").json()}
    assert editor.post(f"/admin/api/users/{users['boss']}/reset-password").status_code == 403  # admins only
    reset = boss.post(f"/admin/api/users/{users['editor']}/reset-password")
    assert reset.status_code == 200 and reset.json()["locked"] is False
    temporary = reset.json()["temporary_password"]
    assert len(temporary) >= 10
    assert editor.get("/admin/api/session").status_code == 401  # their old sessions end
    assert attempt(admin_client, "editor", PASSWORD)[0] == 401
    assert attempt(admin_client, "editor", temporary)[0] == 200
    [record] = [r for r in state.store.audit_log() if r.action == "password_reset"]
    assert (record.actor, record.target) == ("boss", "用户 editor") and temporary not in record.detail
    own = boss.post(f"/admin/api/users/{users['boss']}/reset-password")
    assert own.status_code == 422 and "修改密码" in own.json()["detail"]

    editor = Staff(admin_client, admin_client.post(
        "/admin/api/login", json={"username": "editor", "password": temporary}
    ).json()["csrf_token"])  # fmt: skip
    wrong = editor.post("/admin/api/password", json={"current": "not-it", "new": "my-own-password-9"})
    assert wrong.status_code == 422 and wrong.json()["detail"] == "当前密码不正确"
    weak = editor.post("/admin/api/password", json={"current": temporary, "new": "short"})
    assert weak.status_code == 422 and "至少" in weak.json()["detail"]
    changed = editor.post("/admin/api/password", json={"current": temporary, "new": "my-own-password-9"})
    assert changed.status_code == 200 and editor.get("/admin/api/session").status_code == 200  # still in
    assert state.accounts.login("editor", "my-own-password-9").user.username == "editor"
    assert ("editor", "password_change") in [(r.actor, r.action) for r in state.store.audit_log()]


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


def test_the_cli_resets_a_password(
    tmp_path: Path, knowledge_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.admin.__main__ import main as cli
    from service.admin.settings import get_admin_settings
    from service.settings import get_settings

    monkeypatch.setenv("IPGP_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IPGP_KNOWLEDGE_DIR", str(knowledge_dir))
    monkeypatch.setenv("IPGP_ADMIN_PASSWORD", "first-long-password")
    get_settings.cache_clear()
    get_admin_settings.cache_clear()
    try:
        assert cli(["create-admin", "chief"]) == 0
        monkeypatch.setenv("IPGP_ADMIN_PASSWORD", "second-long-password")
        assert cli(["reset-password", "chief"]) == 0
        assert cli(["reset-password", "nobody"]) == 1
        state = AdminState.build(get_settings(), get_admin_settings())
        state.startup()
        try:
            assert state.accounts.login("chief", "second-long-password").user.username == "chief"
            with pytest.raises(LoginFailedError):
                state.accounts.login("chief", "first-long-password")
            assert ("cli", "user_update") in [(r.actor, r.action) for r in state.store.audit_log()]
        finally:
            state.engine.dispose()
    finally:
        get_settings.cache_clear()
        get_admin_settings.cache_clear()


def test_the_admin_page_offers_referrals_only_to_admins_and_a_password_reset() -> None:
    from service.admin.routes.page import ASSETS

    page = (ASSETS / "index.html").read_text(encoding="utf-8")
    assert '<a href="#referrals" data-admin>' in page  # core.js hides data-admin links from editors
    accounts = (ASSETS / "accounts.js").read_text(encoding="utf-8")
    assert "重置密码" in accounts and "/reset-password" in accounts
    assert "忘记密码？请联系管理员" in page and '<a href="#password"' in page
