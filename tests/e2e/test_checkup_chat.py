"""知识产权体检 through /api/chat on the real bot: keyword, buttons' texts, skip, change, report, stop."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from retrieval.knowledge import CHECKUP_FILE
from retrieval.store import live_knowledge_dir
from tests.e2e.conftest import RunningBot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def bot(running_bot: RunningBot) -> RunningBot:
    """The bot, its live knowledge holding check-up rules: built by `make` from this checkout, or as
    published by an earlier admin test (same rules, written by the admin's export)."""
    live = live_knowledge_dir(running_bot.settings.index_dir)
    assert live is not None
    assert (live / CHECKUP_FILE).is_file()
    return running_bot


def say(bot: RunningBot, sender: str, message: str) -> dict[str, Any]:
    time.sleep(1.0)  # a person's pace: one sender may send 1 message/s after a burst of 10 (rate limit)
    response = httpx.post(f"{bot.url}/api/chat", json={"sender_id": sender, "message": message}, timeout=60)
    assert response.status_code == 200, (message, response.text)
    body: dict[str, Any] = response.json()
    assert body["replies"], message
    return body


def text_of(body: dict[str, Any]) -> str:
    return "\n".join(reply["text"] for reply in body["replies"])


def test_a_checkup_from_keyword_to_report(bot: RunningBot) -> None:
    sender = "e2e-checkup"
    first = say(bot, sender, "知识产权体检")
    assert "第1步" in text_of(first)
    assert any(b["title"] == "人工智能" for r in first["replies"] for b in r["buttons"])
    assert "第2步" in text_of(say(bot, sender, "人工智能"))
    assert "第3步" in text_of(say(bot, sender, "五角场"))
    assert "第2步" in text_of(say(bot, sender, "返回上一步"))
    assert "第3步" in text_of(say(bot, sender, "长阳创谷"))
    assert "第4步" in text_of(say(bot, sender, "跳过"))
    assert "第5步" in text_of(say(bot, sender, "专利、商标"))
    assert "第6步" in text_of(say(bot, sender, "融资"))
    readback = text_of(say(bot, sender, "没有"))
    assert "所在地：长阳创谷" in readback and "生成报告" in readback
    report = say(bot, sender, "生成报告")
    text = text_of(report)
    assert text.startswith("知识产权体检报告")
    for heading in ("【可以申请/可以利用】", "【需要注意】", "【去哪里办】", "【下一步】"):
        assert heading in text
    assert "商标品牌指导站（长阳创谷）" in text and "演示数据" in text
    assert "出处：" in text
    [path] = re.findall(r"/checkup/[A-Za-z0-9_-]+", text)  # the print page: a token, nothing personal
    assert sender not in path
    page = httpx.get(f"{bot.url}{path}", timeout=10)
    assert page.status_code == 200 and "演示数据" in page.text and "长阳创谷" in page.text
    # afterwards the bot answers questions again
    assert "贴息" in text_of(say(bot, sender, "知识产权质押贷款有贴息吗"))


def test_welcome_button_starts_it_and_cancel_stops_it(bot: RunningBot) -> None:
    sender = "e2e-checkup-stop"
    greeting = say(bot, sender, "你好")
    assert any(b["payload"] == "/start_checkup" for r in greeting["replies"] for b in r["buttons"])
    assert "第1步" in text_of(say(bot, sender, "/start_checkup"))
    assert "没看懂" in text_of(say(bot, sender, "随便吧啦啦"))
    assert "已退出知识产权体检" in text_of(say(bot, sender, "取消"))


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_widget_completes_a_checkup_as_cards_with_a_print_link(
    bot: RunningBot, new_page: Callable[..., Page], artifacts: Path, width: int, height: int
) -> None:
    phone = width < 500
    page = new_page(width=width, height=height, **({"is_mobile": True, "has_touch": True} if phone else {}))
    page.goto(bot.url + "/")
    turns = page.locator(".turn.bot:not(.welcome):not(.typing)")

    def send(text: str) -> None:
        box = page.get_by_label("输入您的问题")
        box.fill(text)
        box.press("Enter")

    def choose(title: str) -> None:
        before = turns.count()
        turns.last.locator(".quick .chip", has_text=title).first.click()
        expect(turns).to_have_count(before + 1, timeout=30000)

    chip = page.locator(".welcome .suggestions .chip", has_text="知识产权体检")  # the welcome screen's chip
    expect(chip).to_have_count(1)
    page.screenshot(path=artifacts / f"checkup-welcome-{'phone' if phone else 'desktop'}.png")
    chip.click()
    expect(page.locator(".turn.user .bubble").first).to_have_text("知识产权体检")  # not "/start_checkup"
    expect(turns).to_have_count(1, timeout=60000)
    expect(turns.last).to_contain_text("第1步")
    choose("人工智能")
    send("五角场")
    expect(turns).to_have_count(3, timeout=30000)
    for title in ("跳过", "专利", "融资", "没有", "生成报告"):
        choose(title)
    report = turns.last.locator(".checkup")
    expect(report.locator(".checkup-card")).to_have_count(4)
    expect(report.locator(".checkup-card h3").nth(2)).to_have_text("去哪里办")
    expect(report.locator(".checkup-source").first).to_contain_text("出处：")
    link = report.locator("a.checkup-print")
    href = link.get_attribute("href") or ""
    assert "/checkup/" in href and "sender" not in href
    page.screenshot(path=artifacts / f"checkup-{'phone' if phone else 'desktop'}.png", full_page=True)
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    printable = page.context.new_page()
    printable.goto(href)
    expect(printable.locator("h1")).to_have_text("知识产权体检报告")
    expect(printable.locator("section h2").first).to_have_text("可以申请/可以利用")
