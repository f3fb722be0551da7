"""No lost handovers: the referral survives a failed final write or a gateway that dies mid-turn."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from service.conversation import handle_turn, recover_pending
from service.store import CONTACT_HIDDEN, Store
from tests.service.conftest import ScriptedRasa

REFERENCE = "YP-20261201-K7Q3MX"
REFERRAL = {"name": "张三", "company": "某科技公司", "phone": "13800138000", "station_type": "service_center",
            "reference": REFERENCE}  # fmt: skip
CONFIRMED = [{"text": f"已记录您的转人工请求，编号 {REFERENCE}。"}, {"custom": {"referral": REFERRAL}}]


def locked(*_: Any, **__: Any) -> None:
    raise OperationalError("INSERT INTO referrals ...", {}, Exception("database is locked"))


class GatewayKilled(BaseException):
    """Stands for SIGKILL: nothing after the point it is raised runs, no handler catches it."""


def test_a_failed_final_write_keeps_the_referral_for_recovery(
    client: TestClient, rasa: ScriptedRasa, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    rasa.replies.append(CONFIRMED)
    with monkeypatch.context() as patch:
        patch.setattr(store, "finish_turn", locked)
        response = client.post("/api/chat", json={"sender_id": "u1", "message": "13800138000"})
    assert response.status_code == 200  # Rasa confirmed it; the pending row and the tracker both hold it
    assert REFERENCE in response.json()["replies"][0]["text"]
    assert store.referrals() == [] and len(store.pending_turns()) == 1
    assert asyncio.run(recover_pending(rasa, store, min_age_s=0)) == 1
    assert asyncio.run(recover_pending(rasa, store, min_age_s=0)) == 0  # idempotent
    [row] = store.referrals()
    assert (row.sender_id, row.name, row.phone) == ("web:u1", "张三", "13800138000")
    assert row.reference == REFERENCE  # the number the user was told finds it
    assert store.pending_turns() == [] and [t.message for t in store.turns()] == ["***"]
    query = client.post("/api/chat", json={"sender_id": "u1", "message": f"查询 {REFERENCE}"})
    assert "状态：新建" in query.text


def test_a_gateway_killed_after_rasa_answered_loses_no_referral(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    rasa = ScriptedRasa()
    rasa.replies.append(CONFIRMED)
    first = Store(url)
    monkeypatch.setattr(first, "finish_turn", lambda *a, **k: (_ for _ in ()).throw(GatewayKilled()))
    with pytest.raises(GatewayKilled):
        asyncio.run(handle_turn(rasa, first, sender_id="oUser1", message="13800138000", channel="wechat"))
    first.engine.dispose()
    restarted = Store(url)  # a new gateway process on the same database
    assert restarted.referrals() == []
    asyncio.run(recover_pending(rasa, restarted, min_age_s=0))
    [row] = restarted.referrals()
    assert (row.sender_id, row.name, row.reference) == ("wechat:oUser1", "张三", REFERENCE)


def test_a_database_down_before_the_turn_never_reaches_rasa(
    client: TestClient, rasa: ScriptedRasa, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "begin_turn", locked)
    response = client.post("/api/chat", json={"sender_id": "u1", "message": "13800138000"})
    assert response.status_code == 503 and "12345" in response.json()["detail"]
    assert rasa.sent == []


def test_a_turn_rasa_never_saw_is_dropped_by_recovery(rasa: ScriptedRasa, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'gateway.db'}")
    store.begin_turn("k" * 32, "web:u9", "web", "你好")
    assert asyncio.run(recover_pending(rasa, store, min_age_s=0)) == 1
    assert store.pending_turns() == [] and store.turns() == []


def test_recovery_waits_while_rasa_is_down(rasa: ScriptedRasa, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'gateway.db'}")
    store.begin_turn("k" * 32, "web:u9", "web", "你好")
    rasa.down = True
    assert asyncio.run(recover_pending(rasa, store, min_age_s=0)) == 0
    assert len(store.pending_turns()) == 1


# ---- what the turn log keeps of a handover ------------------------------------------------------


def ask(step: str) -> list[dict[str, Any]]:
    return [{"text": step, "custom": {"contact_step": True}}]


def test_answers_to_contact_questions_are_not_kept_even_when_cancelled(
    client: TestClient, rasa: ScriptedRasa, store: Store
) -> None:
    rasa.replies += [ask("请问怎么称呼您？"), ask("请问贵公司的名称是？"), [{"text": "好的，已取消转人工。"}]]
    for message in ("转人工", "李四", "取消"):
        client.post("/api/chat", json={"sender_id": "u7", "message": message})
    assert [t.message for t in store.turns()] == ["转人工", CONTACT_HIDDEN, CONTACT_HIDDEN]


def test_a_referral_scrubs_its_name_and_company_from_earlier_turns(
    client: TestClient, rasa: ScriptedRasa, store: Store
) -> None:
    rasa.replies += [[{"text": "好的"}], CONFIRMED]
    client.post("/api/chat", json={"sender_id": "u8", "message": "我是某科技公司的张三，想转人工"})
    client.post("/api/chat", json={"sender_id": "u8", "message": "同意"})
    assert [t.message for t in store.turns()] == ["我是***的***，想转人工", "同意"]


def test_a_referral_scrubs_its_name_and_company_from_answers_and_feedback_given_before(
    client: TestClient, rasa: ScriptedRasa, store: Store
) -> None:
    rasa.replies += [[{"text": "张三您好，某科技公司的问题我来解答"}], CONFIRMED]
    first = client.post("/api/chat", json={"sender_id": "u9", "message": "我是某科技公司的张三"}).json()
    rating = {"sender_id": "u9", "rating": "down", "turn_id": first["turn_id"], "reason": "other"}
    assert client.post("/api/feedback", json={**rating, "comment": "张三觉得不对"}).status_code == 201
    client.post("/api/chat", json={"sender_id": "u9", "message": "同意"})
    [turn, _] = store.turns()
    [feedback] = store.feedback()
    assert (turn.message, turn.answer) == ("我是***的***", "***您好，***的问题我来解答")
    assert (feedback.question, feedback.answer) == (turn.message, turn.answer)
    assert feedback.comment == "***觉得不对"


def test_web_and_wechat_senders_live_in_separate_namespaces(client: TestClient, rasa: ScriptedRasa) -> None:
    client.post("/api/chat", json={"sender_id": "oUser1", "message": "继续"})
    assert rasa.sent == [("web:oUser1", "继续")]  # never the WeChat user "wechat:oUser1"
