"""POST /api/feedback: thumbs up/down stored; invalid input refused in Chinese and not stored."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.store import Store


def test_thumbs_up_and_down_are_stored(client: TestClient, store: Store) -> None:
    up = client.post(
        "/api/feedback",
        json={"sender_id": "web-1", "rating": "up", "question": "质押贷款有贴息吗", "answer": "可享受贴息。"},
    )
    assert up.status_code == 201
    assert up.json()["rating"] == "up"
    down = client.post("/api/feedback", json={"sender_id": "web-1", "rating": "down"})
    assert down.status_code == 201
    assert down.json()["id"] > up.json()["id"]
    rows = store.feedback()
    assert [(r.sender_id, r.rating, r.question, r.answer) for r in rows] == [
        ("web-1", "up", "质押贷款有贴息吗", "可享受贴息。"),
        ("web-1", "down", "", ""),
    ]


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"sender_id": "web-1", "rating": "meh"}, "评价只能是"),
        ({"sender_id": "web-1"}, "缺少字段"),
        ({"rating": "up"}, "缺少字段"),
        ({"sender_id": "", "rating": "up"}, "不能为空"),
        ({"sender_id": "x" * 65, "rating": "up"}, "过长"),
        ({"sender_id": "web-1", "rating": "up", "question": "问" * 1001}, "过长"),
        ({"sender_id": "web-1", "rating": "up", "answer": "答" * 4001}, "过长"),
        ({"sender_id": "web-1", "rating": "up", "score": 5}, "不支持的字段"),
        ({"sender_id": "web-1", "rating": 1}, "字符串"),
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
