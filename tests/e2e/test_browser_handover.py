"""A handover in the website chat against the real bot: the confirmation's number, then asking about it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningBot
from tests.e2e.test_browser_chat import ask, bot_turns, warm_up

pytestmark = pytest.mark.e2e

STEPS = (  # what the user types, and what the bot's answer to it contains
    ("转人工", "您同意吗"),
    ("同意", "怎么称呼您"),
    ("张先生", "公司（单位）的名称"),
    ("上海某某科技有限公司", "联系的电话"),
    ("13812345678", "请核对您的信息"),
    ("确认", "已记录您的转人工请求"),
)


def say(page: Page, message: str, expected: str) -> None:
    count = bot_turns(page).count()
    ask(page, message)
    expect(bot_turns(page)).to_have_count(count + 1, timeout=30000)
    expect(bot_turns(page).last).to_contain_text(expected)


def shot(page: Page, artifacts: Path, name: str) -> None:
    bot_turns(page).last.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]  # type: ignore[index]
    page.screenshot(path=artifacts / name)


def test_a_handover_gives_a_number_that_only_its_sender_can_query_and_cancel(
    new_page: Callable[..., Page], running_bot: RunningBot, artifacts: Path
) -> None:
    warm_up(running_bot)
    page = new_page(1280, 800)
    page.goto(running_bot.url + "/")
    for message, expected in STEPS:
        say(page, message, expected)
    confirmation = bot_turns(page).last.inner_text()
    [reference] = re.findall(r"编号 (YP-\d{8}-[2-9A-HJKMNP-Z]{6})", confirmation)
    assert "138****5678" in confirmation and "保存180天后删除" in confirmation
    assert "工作日" not in confirmation  # the district configured no call-back period: none promised
    shot(page, artifacts, "handover-confirmation-1280.png")

    say(page, f"查询 {reference}", "状态：新建")
    shot(page, artifacts, "handover-query-1280.png")

    page.set_viewport_size({"width": 390, "height": 844})
    bot_turns(page).nth(-2).scroll_into_view_if_needed()  # the confirmation, on a phone
    page.screenshot(path=artifacts / "handover-confirmation-390.png")
    say(page, f"取消转人工 {reference}", "已取消转人工")
    say(page, "查询我的转人工", f"{reference}  已取消")
    shot(page, artifacts, "handover-cancel-390.png")

    stranger = new_page(390, 844, is_mobile=True, has_touch=True, device_scale_factor=2)
    stranger.goto(running_bot.url + "/")
    say(stranger, f"查询 {reference}", f"没有找到编号为 {reference} 的转人工记录")
    shot(stranger, artifacts, "handover-stranger-390.png")
