"""POST /api/feedback and /api/feedback/closing: thumbs (with a reason on 👎) and the closing rating stored;
invalid input refused in Chinese and not stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.deps import get_rasa
from service.main import create_app
from service.settings import Settings
from service.store import Store


def ask(client: TestClient, sender: str = "web-1", message: str = "质押贷款有贴息吗") -> str:
    response = client.post("/api/chat", json={"sender_id": sender, "message": message})
    turn_id: str = response.json()["turn_id"]
    return turn_id


def test_feedback_rates_the_turn_the_server_recorded(client: TestClient, store: Store, rasa: Any) -> None:
    rasa.replies.append([{"text": "可享受贴息，详询021-65432100。"}])
    turn = ask(client, message="质押贷款有贴息吗？我电话13800138000")
    up = client.post("/api/feedback", json={"sender_id": "web-1", "rating": "up", "turn_id": turn})
    assert up.status_code == 201 and up.json()["rating"] == "up"
    [row] = store.feedback()
    assert (row.sender_id, row.rating, row.turn_key) == ("web:web-1", "up", turn)
    assert (row.question, row.answer) == ("质押贷款有贴息吗？我电话***", "可享受贴息，详询***。")
    again = client.post("/api/feedback", json={"sender_id": "web-1", "rating": "down", "turn_id": turn})
    assert again.status_code == 409 and again.json()["detail"] == "这条回答已经评价过了。"


def test_client_text_and_other_peoples_turns_are_refused(client: TestClient, store: Store) -> None:
    turn = ask(client, sender="alice")
    invented = {"sender_id": "alice", "rating": "down", "turn_id": turn, "answer": "机器人说了脏话"}
    assert client.post("/api/feedback", json=invented).status_code == 422
    other = client.post("/api/feedback", json={"sender_id": "mallory", "rating": "down", "turn_id": turn})
    assert (other.status_code, other.json()["detail"]) == (404, "找不到这条回答，无法评价。")
    unknown = client.post("/api/feedback", json={"sender_id": "alice", "rating": "up", "turn_id": "0" * 32})
    assert unknown.status_code == 404
    assert store.feedback() == []


@pytest.fixture
def limited(settings: Settings, rasa: Any) -> Iterator[TestClient]:
    """A gateway allowing three feedback requests per client IP."""
    app = create_app(settings.model_copy(update={"rate_feedback_per_s": 0.01, "rate_feedback_burst": 3}))
    app.dependency_overrides[get_rasa] = lambda: rasa
    with TestClient(app) as test_client:
        yield test_client


def test_feedback_is_rate_limited_per_ip(limited: TestClient) -> None:
    statuses = [
        limited.post(
            "/api/feedback", json={"sender_id": "x", "rating": "up", "turn_id": "0" * 32}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [404, 404, 404, 429]


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"sender_id": "web-1", "rating": "meh", "turn_id": "0" * 32}, "评价只能是"),
        ({"sender_id": "web-1", "turn_id": "0" * 32}, "缺少字段"),
        ({"rating": "up", "turn_id": "0" * 32}, "缺少字段"),
        ({"sender_id": "web-1", "rating": "up"}, "缺少字段"),
        ({"sender_id": "", "rating": "up", "turn_id": "0" * 32}, "不能为空"),
        ({"sender_id": "x" * 65, "rating": "up", "turn_id": "0" * 32}, "过长"),
        ({"sender_id": "web-1", "rating": "up", "turn_id": "0" * 32, "score": 5}, "不支持的字段"),
        ({"sender_id": "web-1", "rating": 1, "turn_id": "0" * 32}, "字符串"),
    ],
)
def test_invalid_feedback_gets_a_chinese_422_and_is_not_stored(
    client: TestClient, store: Store, payload: dict[str, Any], words: str
) -> None:
    response = client.post("/api/feedback", json=payload)
    assert response.status_code == 422
    assert words in response.json()["detail"], response.json()
    assert store.feedback() == []


def test_feedback_body_must_be_json(client: TestClient) -> None:
    response = client.post("/api/feedback", content=b"up", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "JSON" in response.json()["detail"]


def test_a_thumbs_down_keeps_its_reason_and_masked_words(client: TestClient, store: Store) -> None:
    turn = ask(client)
    down = {
        "sender_id": "web-1",
        "rating": "down",
        "turn_id": turn,
        "reason": "wrong",
        "comment": "  贴息比例不对，请回电13800138000  ",
    }
    assert client.post("/api/feedback", json=down).status_code == 201
    [row] = store.feedback()
    assert (row.rating, row.reason, row.comment, row.kind) == (
        "down",
        "wrong",
        "贴息比例不对，请回电***",
        None,
    )


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"rating": "down", "reason": "boring"}, "原因只能是"),
        ({"rating": "down", "comment": "长" * 201}, "过长（最多200个字符）"),
        ({"rating": "down", "comment": "坏\x00字"}, "控制字符"),
        ({"rating": "up", "reason": "wrong"}, "只有“没帮助”的评价可以填写原因"),
    ],
)
def test_bad_reasons_are_refused_in_chinese(
    client: TestClient, store: Store, extra: dict[str, Any], words: str
) -> None:
    turn = ask(client)
    response = client.post("/api/feedback", json={"sender_id": "web-1", "turn_id": turn, **extra})
    assert response.status_code == 422 and words in response.json()["detail"], response.json()
    assert store.feedback() == []


def test_closing_rating_once_per_recorded_conversation(client: TestClient, store: Store) -> None:
    closing = {"sender_id": "web-1", "rating": "good"}
    unknown = client.post("/api/feedback/closing", json=closing)
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "找不到这次对话，无法评价。")
    ask(client)
    assert client.post("/api/feedback/closing", json=closing).status_code == 201
    again = client.post("/api/feedback/closing", json={**closing, "rating": "poor"})
    assert (again.status_code, again.json()["detail"]) == (409, "这次对话已经评价过了。")
    bad = client.post("/api/feedback/closing", json={**closing, "rating": "5"})
    assert bad.status_code == 422 and "评价只能是" in bad.json()["detail"]
    [row] = store.feedback()
    assert (row.sender_id, row.kind, row.rating, row.turn_key, row.question) == (
        "web:web-1",
        "closing",
        "good",
        None,
        "",
    )


def test_closing_rating_shares_the_feedback_limit(limited: TestClient) -> None:
    thumb = {"sender_id": "x", "rating": "up", "turn_id": "0" * 32}
    statuses = [limited.post("/api/feedback", json=thumb).status_code for _ in range(2)]
    closing = [
        limited.post("/api/feedback/closing", json={"sender_id": "x", "rating": "fair"}) for _ in range(2)
    ]
    assert statuses + [r.status_code for r in closing] == [404, 404, 404, 429]
    assert closing[-1].headers["retry-after"] == "1"
