"""The first slice end to end: greeting and a knowledge question through gateway, Rasa and actions."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import RunningBot

pytestmark = pytest.mark.e2e


def chat(bot: RunningBot, sender: str, message: str) -> dict[str, object]:
    response = httpx.post(f"{bot.url}/api/chat", json={"sender_id": sender, "message": message}, timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_health_reports_all_three_parts_ready(running_bot: RunningBot) -> None:
    body = httpx.get(f"{running_bot.url}/healthz", timeout=10).json()
    assert body["status"] == "ok"
    assert body["rasa"] is True and body["action_server"] is True
    assert body["index"]["ready"] is True


def test_greeting_is_answered(running_bot: RunningBot) -> None:
    body = chat(running_bot, "e2e-greet", "你好")
    replies = body["replies"]
    assert isinstance(replies, list) and replies
    assert any("知识产权" in reply["text"] for reply in replies)
    assert body["fallback"] is False


def test_question_is_answered_by_the_custom_action_with_a_citation(running_bot: RunningBot) -> None:
    body = chat(running_bot, "e2e-question", "知识产权质押贷款，区里给贴息吗？")
    replies = body["replies"]
    assert isinstance(replies, list)
    text = "".join(reply["text"] for reply in replies)
    assert "50%" in text
    sources = [source for reply in replies for source in reply["sources"]]
    assert sources, body
    assert any("杨府发〔2024〕4号" in str(source) for source in sources)
    assert body["fallback"] is False


def test_every_source_links_to_a_gateway_page_holding_the_cited_text(running_bot: RunningBot) -> None:
    body = chat(running_bot, "e2e-source-page", "知识产权质押贷款，区里给贴息吗？")
    sources = [source for reply in body["replies"] for source in reply["sources"]]  # type: ignore[attr-defined]
    assert sources
    for source in sources:
        url = str(source["url"])
        assert url.startswith("/sources/") and "#p" in url, source
        page = httpx.get(running_bot.url + url.split("#")[0], timeout=10)
        assert page.status_code == 200
        html = page.text
        assert f"id={url.split('#')[1]}>" in html  # the cited passage is anchored
        quoted = str(source["snippet"]).rstrip("…")[:12]
        assert quoted and quoted in html.replace("&quot;", '"'), (quoted, url)
