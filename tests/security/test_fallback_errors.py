"""A database outage or an unexpected bug answers politely in Chinese: 503 or 500 JSON, never a trace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from service.deps import get_rasa, get_store
from service.main import create_app
from service.middleware import STORAGE_DOWN, UNEXPECTED
from service.settings import Settings
from tests.service.conftest import ScriptedRasa


class BrokenStore:
    """A store whose database went away (or whose code has a bug)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def begin_turn(self, *args: Any) -> None:
        raise self.error

    def turn(self, *args: Any) -> None:
        raise self.error

    def log_turn(self, *args: Any) -> None:
        raise self.error

    def add_referral(self, *args: Any) -> int:
        raise self.error

    def add_feedback(self, *args: Any) -> int:
        raise self.error


@pytest.fixture
def app_with(tmp_path: Path) -> Iterator[Any]:
    clients: list[TestClient] = []

    def make(error: Exception) -> TestClient:
        app = create_app(Settings(var_dir=tmp_path / "var", index_dir=tmp_path / "index", action_port=1))
        rasa = ScriptedRasa()
        app.dependency_overrides[get_rasa] = lambda: rasa
        app.dependency_overrides[get_store] = lambda: BrokenStore(error)
        client = TestClient(app, raise_server_exceptions=False)
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_a_database_outage_is_a_polite_503(app_with: Any) -> None:
    down = OperationalError("INSERT INTO turns", {}, ConnectionRefusedError("port 5432"))
    client = app_with(down)
    chat = client.post("/api/chat", json={"sender_id": "alice", "message": "你好"})
    assert (chat.status_code, chat.json()) == (503, {"detail": STORAGE_DOWN})
    feedback = client.post("/api/feedback", json={"sender_id": "alice", "rating": "up", "turn_id": "0" * 32})
    assert feedback.status_code == 503 and "5432" not in feedback.text


def test_an_unexpected_bug_is_a_polite_500_without_a_trace(app_with: Any) -> None:
    client = app_with(RuntimeError("secret internal detail"))
    response = client.post("/api/chat", json={"sender_id": "alice", "message": "你好"})
    assert (response.status_code, response.json()) == (500, {"detail": UNEXPECTED})
    assert "secret internal detail" not in response.text and "Traceback" not in response.text
