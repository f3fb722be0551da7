"""Gateway fixtures: the real app with a scripted Rasa client and a store in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.deps import get_rasa
from service.main import create_app
from service.rasa_client import RasaUnavailableError
from service.settings import Settings
from service.store import Store


class ScriptedRasa:
    """Answers every message with the next scripted reply list, recording what it was sent."""

    def __init__(self) -> None:
        self.replies: list[list[dict[str, Any]]] = []
        self.sent: list[tuple[str, str]] = []
        self.events: dict[str, list[dict[str, Any]]] = {}  # what Rasa's tracker store would hold
        self.down = False

    async def send(self, sender_id: str, message: str) -> list[dict[str, Any]]:
        if self.down:
            raise RasaUnavailableError("connection refused")
        self.sent.append((sender_id, message))
        answer = self.replies.pop(0) if self.replies else [{"recipient_id": sender_id, "text": "你好"}]
        events = self.events.setdefault(sender_id, [])
        events.append({"event": "user", "text": message})
        for part in answer:
            data = {"buttons": part.get("buttons"), "custom": part.get("custom")}
            events.append({"event": "bot", "text": part.get("text"), "data": data})
        return answer

    async def tracker_events(self, sender_id: str) -> list[dict[str, Any]]:
        if self.down:
            raise RasaUnavailableError("connection refused")
        return list(self.events.get(sender_id, []))

    async def healthy(self) -> bool:
        return not self.down


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(var_dir=tmp_path / "var", index_dir=tmp_path / "index", action_port=1)


@pytest.fixture
def rasa() -> ScriptedRasa:
    return ScriptedRasa()


@pytest.fixture
def client(settings: Settings, rasa: ScriptedRasa) -> Iterator[TestClient]:
    app = create_app(settings)
    app.dependency_overrides[get_rasa] = lambda: rasa
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def store(client: TestClient) -> Store:
    app_store: Store = client.app.state.store  # type: ignore[attr-defined]
    return app_store
