"""POST /api/feedback: thumbs up/down stored; invalid input refused in Chinese and not stored."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

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


def test_feedback_is_rate_limited_per_ip(settings: Any, rasa: Any, tmp_path: Any) -> None:
    from service.deps import get_rasa
    from service.main import create_app

    app = create_app(settings.model_copy(update={"rate_feedback_per_s": 0.01, "rate_feedback_burst": 3}))
    app.dependency_overrides[get_rasa] = lambda: rasa
    with TestClient(app) as limited:
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
