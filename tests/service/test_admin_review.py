"""Conversation review, referrals with status, CSV export, one-click draft FAQ and dashboard numbers."""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from service.admin.dashboard import outcome_of, topic_of
from service.admin.state import AdminState
from service.schemas import Referral
from service.store import Store, TurnRow
from tests.service.test_admin_helpers import Staff

pytest_plugins = ["tests.service.test_admin_helpers"]

PHONE = "13912345678"
NAME = "王小明"


@pytest.fixture
def gateway(admin_app: FastAPI, admin_client: object) -> Store:
    store: Store = admin_app.state.store
    store.log_turn("u1", "web", "专利资助怎么申请？", fallback=False, tier="certain")
    store.log_turn("u1", "web", "火星上的商标怎么注册？", fallback=True, tier="none")
    store.log_turn("u2", "wechat", "质押贷款贴息多少", fallback=False, tier="closest")
    store.log_turn("u3", "web", "你们食堂几点开门", fallback=True)
    store.add_feedback("u2", "down", "质押贷款贴息多少", "按贷款利率的50%给予贴息。")
    store.add_feedback("u1", "up", "专利资助怎么申请？", "……")
    store.add_referral(
        "u1",
        Referral(
            name=NAME,
            company="示例科技",
            phone=PHONE,
            station_id="north-station",
            station_type="trademark_station",
            question="商标被抢注",
        ),
    )
    store.add_referral(
        "u3", Referral(name="李四", company="某公司", phone="13800001111", station_id="copyright-desk")
    )
    return store


def age(store: Store, table: type, row_id: int, days: int) -> None:
    with store.engine.begin() as connection:
        when = datetime.now(UTC) - timedelta(days=days)
        connection.execute(update(table).where(table.id == row_id).values(created_at=when))  # type: ignore[attr-defined]


def test_review_lists_fallbacks_closest_matches_and_thumbs_down(editor: Staff, gateway: Store) -> None:
    items = editor.get("/admin/api/conversations").json()
    assert {(i["id"], i["kind"], i["kind_label"]) for i in items} == {
        ("turn-2", "fallback", "未能回答"),
        ("turn-3", "closest", "最接近匹配"),
        ("turn-4", "fallback", "未能回答"),
        ("feedback-1", "thumbs_down", "点踩"),
    }
    assert {i["sender_id"] for i in items} == {"u1", "u2", "u3"}  # each links to its conversation
    down = next(i for i in items if i["kind"] == "thumbs_down")
    assert down["answer"] == "按贷款利率的50%给予贴息。"
    only = editor.get("/admin/api/conversations", params={"kind": "fallback", "q": "火星"}).json()
    assert [i["id"] for i in only] == ["turn-2"]


def test_review_filters_by_date(editor: Staff, gateway: Store) -> None:
    age(gateway, TurnRow, 2, days=10)
    today = datetime.now(timezone(timedelta(hours=8))).date()
    recent = editor.get(
        "/admin/api/conversations", params={"date_from": str(today - timedelta(days=2))}
    ).json()
    assert "turn-2" not in [i["id"] for i in recent]
    old = editor.get("/admin/api/conversations", params={"date_to": str(today - timedelta(days=5))}).json()
    assert [i["id"] for i in old] == ["turn-2"]
    assert editor.get("/admin/api/conversations", params={"date_from": "yesterday"}).status_code == 422


def test_review_exports_csv(editor: Staff, gateway: Store) -> None:
    response = editor.get("/admin/api/conversations", params={"format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["编号", "类型", "时间", "渠道", "问题", "机器人回答"] and len(rows) == 5
    assert {row[1] for row in rows[1:]} == {"未能回答", "最接近匹配", "点踩"}


def test_one_click_turns_a_question_into_a_draft_faq(editor: Staff, gateway: Store) -> None:
    response = editor.post("/admin/api/conversations/turn-2/faq")
    assert response.status_code == 201, response.text
    faq = response.json()
    assert faq["key"] == "draft-turn-2" and faq["data"]["question"] == "火星上的商标怎么注册？"
    assert faq["data"]["answer"] == "【待填写】"
    assert editor.post("/admin/api/conversations/turn-2/faq").json()["key"] == "draft-turn-2-2"
    assert (
        editor.post("/admin/api/conversations/feedback-1/faq").json()["data"]["question"]
        == "质押贷款贴息多少"
    )
    assert editor.post("/admin/api/conversations/turn-999/faq").status_code == 404
    assert editor.post("/admin/api/conversations/nonsense/faq").status_code == 404


def test_referrals_are_for_admins_only(editor: Staff, gateway: Store) -> None:
    assert editor.get("/admin/api/referrals").status_code == 403
    assert editor.get("/admin/api/referrals", params={"format": "csv"}).status_code == 403
    assert editor.patch("/admin/api/referrals/1", json={"status": "contacted"}).status_code == 403


def test_referral_exports_are_audited(boss: Staff, gateway: Store, state: AdminState) -> None:
    boss.get("/admin/api/referrals", params={"format": "csv"})
    [record] = [r for r in state.store.audit_log() if r.action == "referral_export"]
    assert (record.actor, record.target) == ("boss", "2 条转介")


def test_referrals_show_contact_details_to_admins_and_filter(boss: Staff, gateway: Store) -> None:
    rows = boss.get("/admin/api/referrals").json()
    assert [r["id"] for r in rows] == [2, 1]
    assert rows[1]["phone"] == PHONE and rows[1]["name"] == NAME and rows[1]["status_label"] == "新建"
    by_station = boss.get("/admin/api/referrals", params={"station": "north-station"}).json()
    assert [r["id"] for r in by_station] == [1]
    assert boss.get("/admin/api/referrals", params={"status": "closed"}).json() == []
    assert boss.get("/admin/api/referrals", params={"status": "lost"}).status_code == 422
    exported = boss.get("/admin/api/referrals", params={"format": "csv"}).content.decode("utf-8-sig")
    assert PHONE in exported and "联系人" in exported


def test_referral_status_changes_are_audited_without_contact_details(
    boss: Staff, gateway: Store, state: AdminState, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = boss.patch("/admin/api/referrals/1", json={"status": "contacted"})
    assert response.status_code == 200
    boss.get("/admin/api/referrals")
    boss.get("/admin/api/referrals", params={"format": "csv"})
    assert boss.get("/admin/api/referrals", params={"status": "contacted"}).json()[0]["id"] == 1
    assert boss.patch("/admin/api/referrals/1", json={"status": "lost"}).status_code == 422
    assert boss.patch("/admin/api/referrals/99", json={"status": "closed"}).status_code == 404
    audit = [r for r in state.store.audit_log() if r.action == "referral_status"]
    assert audit and audit[0].detail == "new → contacted"
    everything = caplog.text + "".join(f"{r.target}{r.detail}" for r in state.store.audit_log())
    assert PHONE not in everything and NAME not in everything


def test_dashboard_counts(editor: Staff, gateway: Store) -> None:
    board = editor.get("/admin/api/dashboard", params={"days": 7}).json()
    assert len(board["per_day"]) == 7
    assert board["per_day"][-1] | {"date": ""} == {
        "date": "", "questions": 4, "answered": 1, "closest": 1, "fallback": 2, "other": 0
    }
    # the closest match is not counted as answered: one of the four knowledge-base questions
    assert (board["questions"], board["answered"], board["closest"], board["fallback"]) == (4, 1, 1, 2)
    assert board["answered_rate"] == round(1 / 4, 3)
    assert board["thumbs"] == {"up": 1, "down": 1}
    assert {"station_id": "north-station", "name": "北区商标品牌指导站", "referrals": 1} in board[
        "top_stations"
    ]
    topics = {t["topic"]: t for t in board["top_topics"]}
    assert topics["商标"] == {"topic": "商标", "questions": 1, "fallback": 1}
    assert editor.get("/admin/api/dashboard", params={"days": 0}).status_code == 422


@pytest.mark.parametrize(
    ("fallback", "tier", "outcome"),
    [
        (False, "certain", "answered"),
        (False, "closest", "closest"),
        (False, "none", "fallback"),
        (True, "", "fallback"),
        (False, "", "other"),  # a greeting or a form question
        (False, None, "other"),  # logged before tiers were recorded
    ],
)
def test_outcome_of_a_turn(fallback: bool, tier: str | None, outcome: str) -> None:
    assert outcome_of(fallback, tier) == outcome


def test_dashboard_without_traffic(editor: Staff) -> None:
    board = editor.get("/admin/api/dashboard").json()
    assert board["questions"] == 0 and board["answered_rate"] is None and len(board["per_day"]) == 30


@pytest.mark.parametrize(
    ("question", "topic"),
    [("专利质押贷款", "质押融资"), ("PCT国际申请", "专利"), ("被人仿冒商标了", "侵权纠纷"), ("天气", "其他")],
)
def test_topics(question: str, topic: str) -> None:
    assert topic_of(question) == topic


def test_users_are_managed_by_admins(boss: Staff) -> None:
    created = boss.post(
        "/admin/api/users", json={"username": "clerk", "password": "long-password-1", "role": "editor"}
    )
    assert created.status_code == 201 and created.json()["role_label"] == "编辑"
    assert (
        boss.post("/admin/api/users", json={"username": "clerk", "password": "long-password-1"}).status_code
        == 409
    )
    weak = boss.post("/admin/api/users", json={"username": "clerk2", "password": "short"})
    assert weak.status_code == 422 and "至少" in weak.json()["errors"]["password"]
    assert (
        boss.post(
            "/admin/api/users", json={"username": "bad name!", "password": "long-password-1"}
        ).status_code
        == 422
    )
    users = boss.get("/admin/api/users").json()
    assert [u["username"] for u in users] == ["boss", "editor", "clerk"]
    assert all("password" not in str(u.keys()) for u in users)
    boss_id = users[0]["id"]
    last_admin = boss.patch(f"/admin/api/users/{boss_id}", json={"role": "editor"})
    assert last_admin.status_code == 422 and "至少需要保留一名" in last_admin.json()["detail"]
    assert boss.patch("/admin/api/users/999", json={"role": "editor"}).status_code == 404
    log = boss.get("/admin/api/audit").json()
    assert log[0]["action"] == "user_create" and "long-password" not in str(log)


def test_staff_see_and_search_the_number_the_user_was_given(boss: Staff, gateway: Store) -> None:
    reference = "YP-20261201-K7Q3MX"
    person = Referral(name="赵六", company="乙公司", phone="13700001111", reference=reference)
    gateway.add_referral("web:u9", person)
    listed = boss.get("/admin/api/referrals").json()
    assert listed[0]["reference"] == reference
    assert all(row["reference"].startswith("YP-") for row in listed)  # every new referral gets one
    for typed in (reference, "yp-20261201-k7q3mx", "K7Q3MX"):
        assert [r["reference"] for r in boss.get("/admin/api/referrals", params={"q": typed}).json()] == [
            reference
        ]
    exported = boss.get("/admin/api/referrals", params={"format": "csv"}).content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(exported)))
    assert table[0][:2] == ["序号", "转人工编号"] and table[1][1] == reference
    whole = boss.get("/admin/api/conversation", params={"sender": "web:u9"}).json()
    assert whole["referrals"][0]["reference"] == reference


def test_a_referral_the_user_cancelled_shows_as_cancelled(boss: Staff, gateway: Store) -> None:
    [mine] = [row for row in gateway.referrals() if row.sender_id == "u1"]
    assert gateway.cancel_referral("u1", mine.reference or "", ("new", "contacted")) == "new"
    [row] = boss.get("/admin/api/referrals", params={"status": "cancelled"}).json()
    assert (row["id"], row["status_label"]) == (mine.id, "已取消")
    assert row["history"][0]["by"] == "用户" and row["history"][0]["text"] == "状态：新建 → 已取消"
    assert "已取消" in boss.get("/admin/api/referrals", params={"format": "csv"}).content.decode("utf-8-sig")
