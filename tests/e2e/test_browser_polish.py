"""Chat polish and station cards in a real browser at 1280×800 and 390×844, against the scripted Rasa:
where a new answer lands, thumbs only on answers with a reason on 👎, the closing rating, copy, related
questions, 新对话 confirmation, placeholder, favicon, honest station cards and text contrast."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.sync_api import Locator, Page, expect

from service.store import Store
from tests.e2e.test_browser_chat import (
    CONTRAST,
    RELATED,
    STATIONS,
    ask,
    bot_turns,
    fake_rasa,
    gateway,
    opens_at_its_start,
    url,
)

__all__ = ["fake_rasa", "gateway", "url"]  # the scripted Rasa and gateway of the basic chat tests

pytestmark = pytest.mark.e2e

SIZES: dict[str, dict[str, Any]] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
}


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def chat(new_page: Callable[..., Page], url: str, size: str) -> Page:
    page = new_page(**SIZES[size])
    page.goto(url + "/")
    return page


def store_of(gateway: tuple[str, FastAPI]) -> Store:
    store: Store = gateway[1].state.store
    return store


def answer_to(page: Page, question: str) -> Locator:
    """Asks and waits for the bot's turn (the composer ignores a question while one is pending)."""
    count = bot_turns(page).count()
    ask(page, question)
    expect(bot_turns(page)).to_have_count(count + 1)
    turn: Locator = bot_turns(page).last
    return turn


def test_a_long_answer_opens_at_its_start(chat: Page, size: str, artifacts: Path) -> None:
    answer_to(chat, "知识产权质押贷款有贴息吗？")
    answer = answer_to(chat, "请详细说说，长一点")
    expect(answer.locator(".card")).to_have_count(2)
    opens_at_its_start(chat, answer)
    box = answer.bounding_box()
    assert box is not None and box["height"] > chat.locator(".log").evaluate("log => log.clientHeight")
    chat.screenshot(path=artifacts / f"polish-long-answer-{size}.png")


def test_thumbs_and_copy_only_under_answers(chat: Page, size: str) -> None:
    form_question = answer_to(chat, "我想转人工，怎么称呼")
    expect(form_question.locator(".bubble")).to_have_text("好的，为您转接人工服务。请问怎么称呼您？")
    expect(form_question.locator(".feedback, .copy")).to_have_count(0)
    answer = answer_to(chat, "知识产权质押贷款有贴息吗？")
    expect(answer.get_by_role("button", name="有帮助")).to_be_visible()
    expect(answer.get_by_role("button", name="复制回答")).to_be_visible()
    answer_to(chat, "我们在五角场，想注册商标")  # a station list cites where its details come from
    expect(bot_turns(chat).last.get_by_role("button", name="没帮助")).to_be_visible()


def test_thumbs_down_asks_why_and_stores_the_reason(
    chat: Page, size: str, gateway: tuple[str, FastAPI], artifacts: Path
) -> None:
    question = f"知识产权质押贷款有贴息吗？（{size}）"
    answer = answer_to(chat, question)
    answer.get_by_role("button", name="没帮助").click()
    form = answer.locator("form.reason")
    expect(form).to_be_visible()
    expect(form.get_by_role("button", name="答非所问")).to_be_focused()
    form.get_by_role("button", name="内容有误或过时").click()
    expect(form.get_by_role("button", name="内容有误或过时")).to_have_attribute("aria-pressed", "true")
    comment = form.get_by_label("补充说明（选填，最多200字，请勿填写姓名、电话等个人信息）")
    comment.fill("比例写错了，电话13800138000")
    chat.screenshot(path=artifacts / f"polish-reason-{size}.png")
    form.get_by_role("button", name="提交反馈").click()
    expect(form).to_have_count(0)
    expect(answer.locator(".feedback-note")).to_have_text("感谢您的反馈！")
    expect(answer.get_by_role("button", name="没帮助")).to_have_attribute("aria-pressed", "true")
    [row] = [row for row in store_of(gateway).feedback() if row.question == question]
    assert (row.rating, row.reason, row.comment) == ("down", "wrong", "比例写错了，电话***")


def test_cancelled_reason_leaves_the_answer_unrated(chat: Page, size: str) -> None:
    answer = answer_to(chat, "知识产权质押贷款有贴息吗？")
    answer.get_by_role("button", name="没帮助").click()
    answer.get_by_role("button", name="取消").click()
    expect(answer.locator("form.reason")).to_have_count(0)
    expect(answer.get_by_role("button", name="没帮助")).to_be_focused()
    expect(answer.get_by_role("button", name="有帮助")).to_be_enabled()


def test_goodbye_brings_the_closing_rating_once(
    chat: Page, size: str, gateway: tuple[str, FastAPI], fake_rasa: Any, artifacts: Path
) -> None:
    answer_to(chat, "知识产权质押贷款有贴息吗？")
    expect(chat.locator(".closing")).to_have_count(0)
    answer_to(chat, "好的，再见")
    rating = chat.get_by_role("group", name="满意度评价")
    expect(rating).to_contain_text("本次咨询您满意吗？")
    chat.screenshot(path=artifacts / f"polish-closing-{size}.png")
    rating.get_by_role("button", name="满意", exact=True).click()
    expect(rating.locator(".closing-note")).to_have_text("感谢您的评价！")
    expect(rating.get_by_role("button", name="满意", exact=True)).to_have_attribute("aria-pressed", "true")
    sender = fake_rasa.received[-1][0]
    assert [(r.kind, r.rating) for r in store_of(gateway).feedback() if r.sender_id == sender] == [
        ("closing", "good")
    ]
    chat.reload()  # the rating is part of the kept history, and is not asked again
    answer_to(chat, "再见")
    expect(chat.locator(".closing")).to_have_count(1)
    expect(chat.locator(".closing-note")).to_have_text("感谢您的评价！")


def test_closing_rating_after_three_answers(chat: Page, size: str) -> None:
    for number in range(3):
        expect(chat.locator(".closing")).to_have_count(0)
        ask(chat, f"知识产权质押贷款有贴息吗？{number}")
        expect(bot_turns(chat)).to_have_count(number + 1)
    expect(chat.locator(".closing")).to_have_count(1)
    answer_to(chat, "知识产权质押贷款有贴息吗？再问")
    expect(bot_turns(chat)).to_have_count(4)
    expect(chat.locator(".closing")).to_have_count(1)


def test_copy_puts_the_plain_answer_on_the_clipboard(
    new_page: Callable[..., Page], url: str, size: str
) -> None:
    page = new_page(**SIZES[size], permissions=["clipboard-read", "clipboard-write"])
    page.goto(url + "/")
    answer = answer_to(page, "知识产权质押贷款有贴息吗？")
    answer.get_by_role("button", name="复制回答").click()
    expect(answer.locator(".copy")).to_have_text("已复制")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert (
        copied
        == "测试回答：贴息的示例说明。\n来源：测试文件甲，测试〔2024〕1号，四、（二），2024年3月15日，现行"
    )


def test_related_questions_are_asked_when_clicked(
    chat: Page, size: str, fake_rasa: Any, artifacts: Path
) -> None:
    group = answer_to(chat, "有相关问题吗").get_by_role("group", name="相关问题")
    expect(group).to_contain_text("您可能还想问：")
    expect(group.locator(".chip")).to_have_text(RELATED)
    chat.screenshot(path=artifacts / f"polish-related-{size}.png")
    group.get_by_role("button", name=RELATED[1]).click()
    expect(chat.locator(".turn.user .bubble").last).to_have_text(RELATED[1])
    expect(bot_turns(chat)).to_have_count(2)
    assert fake_rasa.received[-1][1] == RELATED[1]  # sent as typed
    expect(chat.get_by_role("group", name="相关问题")).to_have_count(0)  # retired like quick replies


def test_new_chat_asks_before_clearing(chat: Page, size: str) -> None:
    answer_to(chat, "知识产权质押贷款有贴息吗？")
    expect(bot_turns(chat)).to_have_count(1)
    chat.get_by_role("button", name="新对话").click()
    confirm = chat.get_by_role("alertdialog", name="清空当前对话记录，开始新的对话？")
    expect(confirm).to_be_visible()
    expect(confirm.get_by_role("button", name="取消")).to_be_focused()
    confirm.get_by_role("button", name="取消").click()
    expect(confirm).to_be_hidden()
    expect(bot_turns(chat)).to_have_count(1)
    chat.get_by_role("button", name="新对话").click()
    chat.keyboard.press("Escape")
    expect(confirm).to_be_hidden()
    chat.get_by_role("button", name="新对话").click()
    confirm.get_by_role("button", name="清空并开始").click()
    expect(bot_turns(chat)).to_have_count(0)
    chat.get_by_role("button", name="新对话").click()  # nothing to lose: no question
    expect(confirm).to_be_hidden()


def test_placeholder_mentions_enter_only_with_a_keyboard(chat: Page, size: str) -> None:
    box = chat.get_by_label("输入您的问题")
    expected = "输入您的问题，按 Enter 发送" if size == "desktop" else "输入您的问题"
    expect(box).to_have_attribute("placeholder", expected)


def test_the_page_has_an_icon(chat: Page, url: str) -> None:
    href = chat.locator("link[rel=icon]").get_attribute("href")
    response = chat.request.get(url + (href or ""))
    assert (href, response.status, response.headers["content-type"]) == ("/favicon.ico", 200, "image/svg+xml")


def test_station_cards_say_once_what_is_unknown(
    chat: Page, size: str, fake_rasa: Any, artifacts: Path
) -> None:
    cards = answer_to(chat, "我们在五角场，想注册商标").locator(".card")
    expect(cards).to_have_count(len(STATIONS))
    demo, centre, full, partial = (cards.nth(n) for n in range(4))
    expect(demo.locator(".badge.demo")).to_have_text("演示数据")
    expect(demo.locator("dt")).to_have_text(["类型", "地址"])  # a demo address is no verified contact
    expect(demo.locator(".card-note")).to_contain_text("暂无公开联系方式")
    expect(centre.locator("dt")).to_have_text(["类型"])
    expect(centre.locator(".card-note")).to_contain_text("暂无公开联系方式")
    expect(full.locator("dt")).to_have_text(["类型", "地址", "电话", "时间"])
    expect(full.locator(".card-note")).to_have_count(0)
    expect(full.locator("a[href='tel:021-12345678']")).to_have_text("021-12345678")
    expect(partial.locator("dt")).to_have_text(["类型", "电话"])
    expect(partial.locator(".card-note")).to_have_text("地址、时间暂无公开信息")
    expect(cards.get_by_role("button", name="转人工")).to_have_count(2)
    assert "暂无公开信息" not in (demo.inner_text() + centre.inner_text())
    cards.nth(1).screenshot(path=artifacts / f"polish-station-card-{size}.png")
    chat.screenshot(path=artifacts / f"polish-stations-{size}.png")
    centre.get_by_role("button", name="转人工").click()
    expect(chat.locator(".turn.user .bubble").last).to_have_text("转人工")
    expect(bot_turns(chat)).to_have_count(2)
    assert fake_rasa.received[-1][1] == "/request_human"


def test_every_text_has_at_least_4_5_to_1_contrast(chat: Page, size: str, artifacts: Path) -> None:
    answer_to(chat, "我们在五角场，想注册商标")
    answer = answer_to(chat, "知识产权质押贷款有贴息吗？")
    answer.locator(".sources summary").click()
    answer.get_by_role("button", name="没帮助").click()
    answer_to(chat, "再见")
    chat.get_by_role("button", name="新对话").click()
    result = chat.evaluate(CONTRAST)  # every rendered text, scrolled into view or not
    assert result["checked"] > 40
    assert result["failures"] == [], "\n".join(result["failures"])
    chat.screenshot(path=artifacts / f"polish-contrast-{size}.png", full_page=True)
