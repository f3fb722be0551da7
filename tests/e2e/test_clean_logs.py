"""In a normal run an ERROR line is a real fault: a scripted conversation, handled bad input, clean logs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import RunningBot

pytestmark = pytest.mark.e2e


def chat(bot: RunningBot, sender: str, message: str) -> dict[str, Any]:
    response = httpx.post(f"{bot.url}/api/chat", json={"sender_id": sender, "message": message}, timeout=60)
    assert response.status_code == 200, (message, response.text)
    body: dict[str, Any] = response.json()
    return body


def test_a_scripted_conversation_leaves_no_error_in_any_process_log(running_bot: RunningBot) -> None:
    sender = "e2e-clean-logs"
    chat(running_bot, sender, "你好")
    chat(running_bot, sender, "知识产权质押贷款有贴息吗")
    asked = chat(running_bot, sender, "想注册商标，应该去哪里咨询？")
    buttons = [button for reply in asked["replies"] for button in reply.get("buttons", [])]
    assert buttons, asked  # the place buttons (they once made Rasa log a KeyError each time they showed)
    chat(running_bot, sender, buttons[0]["payload"])
    chat(running_bot, sender, "转人工")
    chat(running_bot, sender, "不同意")
    # handled input errors: each is a Chinese 4xx, none may log an ERROR or a traceback
    url = running_bot.url
    bad_requests = [
        httpx.post(f"{url}/api/chat", content=b"{not json", headers={"content-type": "application/json"}),
        httpx.post(f"{url}/api/chat", json={"sender_id": "a\nb", "message": "你好"}),
        httpx.post(f"{url}/api/chat", json={"sender_id": sender, "message": "\u200b\u200b"}),
        httpx.post(
            f"{url}/api/chat",
            content=b'{"sender_id": "x", "message": ' + b"[" * 3000 + b"]" * 3000 + b"}",
            headers={"content-type": "application/json"},
        ),
        httpx.post(f"{url}/api/feedback", json={"turn_id": "nope", "rating": "up"}),
        httpx.post(f"{url}/admin/api/login", content=b"[", headers={"content-type": "application/json"}),
        httpx.post(f"{url}/admin/api/login", json={"username": "nobody", "password": "wrong-password"}),
    ]
    statuses = [(r.status_code, r.text) for r in bad_requests]
    assert all(400 <= status < 500 for status, _ in statuses), statuses
    logs = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in running_bot.log_dir.glob("*")}
    assert set(logs) >= {"gateway.log", "rasa.log", "action-server.log"}
    assert '"level": "INFO"' in logs["gateway.log"]  # the logs were written (JSON from the gateway)
    problems = [
        f"{name}: {line[:300]}"
        for name, text in logs.items()
        for line in text.splitlines()
        if "ERROR" in line or "Traceback" in line
    ]
    assert problems == []
