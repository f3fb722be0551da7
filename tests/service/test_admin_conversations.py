"""Whole conversations for review, referral notes and status history, and the answer tier in the turn log."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.admin.state import AdminState
from service.schemas import Referral
from service.store import Store
from tests.service.conftest import ScriptedRasa
from tests.service.test_admin_helpers import Staff

pytest_plugins = ["tests.service.test_admin_helpers"]

NAME, PHONE = "王小明", "13912345678"


@pytest.fixture
def talk(admin_app: FastAPI, admin_client: object) -> Store:
    """Two turns of one visitor (the second rated 👎 and handed over), one turn of another."""
    store: Store = admin_app.state.store
    store.finish_turn("k1", "web:alice", "web", "专利资助怎么申请？", fallback=False, asked_contact=False,
                      referrals=[], answer="按办法申报。", tier="certain")  # fmt: skip
    handover = Referral(name=NAME, company="示例科技", phone=PHONE, station_id="north-station")
    store.finish_turn("k2", "web:alice", "web", "商标被抢注怎么办", fallback=False, asked_contact=False,
                      referrals=[handover], answer="以下是最接近的信息……", tier="closest")  # fmt: skip
    store.add_feedback("web:alice", "down", "商标被抢注怎么办", "以下是最接近的信息……", turn_key="k2")
    store.log_turn("web:bob", "web", "你好", fallback=False, tier="")
    return store


def test_a_review_item_opens_its_whole_conversation(editor: Staff, talk: Store) -> None:
    [down] = editor.get("/admin/api/conversations", params={"kind": "thumbs_down"}).json()
    whole = editor.get("/admin/api/conversation", params={"sender": down["sender_id"]}).json()
    assert [t["question"] for t in whole["turns"]] == ["专利资助怎么申请？", "商标被抢注怎么办"]
    assert [t["answer"] for t in whole["turns"]] == ["按办法申报。", "以下是最接近的信息……"]
    assert [(t["tier"], t["rating"]) for t in whole["turns"]] == [("certain", ""), ("closest", "down")]
    assert [(r["id"], r["status"]) for r in whole["referrals"]] == [(1, "new")]
    assert NAME not in str(whole) and PHONE not in str(whole)  # editors never see contact details here
    assert "你好" not in str(whole)  # another visitor's turn
    missing = editor.get("/admin/api/conversation", params={"sender": "web:nobody"})
    assert missing.status_code == 404 and "会话记录不存在" in missing.json()["detail"]


def test_referrals_link_to_their_conversation_and_keep_notes_and_status_history(
    boss: Staff, talk: Store, state: AdminState
) -> None:
    [referral] = boss.get("/admin/api/referrals").json()
    assert referral["sender_id"] == "web:alice" and referral["history"] == []
    assert boss.patch("/admin/api/referrals/1", json={"status": "contacted"}).status_code == 200
    noted = boss.post("/admin/api/referrals/1/notes", json={"note": "已电话联系，约周三面谈"})
    assert noted.status_code == 201
    history = noted.json()["history"]
    assert [(h["kind"], h["by"], h["text"]) for h in history] == [
        ("status", "boss", "状态：新建 → 已联系"),
        ("note", "boss", "已电话联系，约周三面谈"),
    ]
    assert all(h["at"] for h in history)
    boss.patch("/admin/api/referrals/1", json={"status": "contacted"})  # no change: no history line
    assert len(boss.get("/admin/api/referrals").json()[0]["history"]) == 2
    assert [r["id"] for r in boss.get("/admin/api/referrals", params={"q": "周三"}).json()] == [1]
    assert boss.get("/admin/api/referrals", params={"q": "不存在的词"}).json() == []
    [audit] = [r for r in state.store.audit_log() if r.action == "referral_note"]
    assert "周三" not in audit.detail  # the note's text stays with the referral
    assert boss.post("/admin/api/referrals/1/notes", json={"note": "   "}).status_code == 422
    assert boss.post("/admin/api/referrals/9/notes", json={"note": "x"}).status_code == 404


def test_editors_cannot_write_referral_notes(editor: Staff, talk: Store) -> None:
    assert editor.post("/admin/api/referrals/1/notes", json={"note": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("custom", "tier"),
    [
        (
            {"reply": {"body": "回答", "sources": [{"title": "示例"}], "tier": "certain"}, "fallback": False},
            "certain",
        ),
        (
            {"reply": {"body": "回答", "sources": [{"title": "示例"}], "tier": "closest"}, "fallback": False},
            "closest",
        ),
        ({"reply": {"body": "回答", "tier": "none"}, "fallback": True}, "none"),
        (None, ""),  # a greeting: no tier
    ],
)
def test_the_gateway_records_the_reply_tier_of_each_turn(
    client: TestClient, rasa: ScriptedRasa, store: Store, custom: dict[str, object] | None, tier: str
) -> None:
    rasa.replies.append([{"text": "回答"}, *([{"custom": custom}] if custom else [])])
    assert client.post("/api/chat", json={"sender_id": "t1", "message": "专利资助"}).status_code == 200
    assert store.turns()[-1].tier == tier
