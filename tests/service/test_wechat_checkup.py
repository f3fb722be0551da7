"""知识产权体检 over the signed WeChat webhook: digits answer the buttons, the report links its print page."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.checkup import ActionCheckupReport
from retrieval.knowledge import load_knowledge
from retrieval.schema import CHECKUP_OPTIONS
from service.supervisor import ROOT
from service.wechat import text
from service.wechat.checkup import render_report
from service.wechat.split import LIMIT_BYTES, size
from tests.actions.conftest import make_tracker
from tests.service.test_checkup_page import REPORT
from tests.service.test_wechat_api import FakeWeChat
from tests.service.test_wechat_webhook import CHAT_PAGE, SlowRasa, content_of, post, text_xml

pytest_plugins = ["tests.service.test_wechat_webhook"]  # its fixtures: wechat, fake_api

INDUSTRIES = ["在线新经济", "智能制造", "创意设计", "科技服务", "人工智能", "生命健康", "绿色低碳", "其他"]


def test_a_checkup_by_digits_ends_with_a_report_and_its_full_link(
    wechat: tuple[TestClient, SlowRasa], fake_api: FakeWeChat
) -> None:
    client, rasa = wechat
    buttons = [{"title": t, "payload": t} for t in [*INDUSTRIES, "跳过", "取消"]]
    rasa.replies.append([{"text": "第1步：贵单位属于哪个行业？", "buttons": buttons}])
    first = content_of(post(client, text_xml("知识产权体检", msg_id=1)))
    assert "第1步" in first and "5. 人工智能" in first and "10. 取消" in first
    rasa.replies.append([{"text": "第2步：贵单位在杨浦区哪个街道或园区？"}])
    assert "第2步" in content_of(post(client, text_xml("5", msg_id=2)))
    assert rasa.sent[-1][1] == "人工智能"  # the digit became the button's answer
    report_text = "知识产权体检报告\n【可以申请/可以利用】\n1. 您有融资打算。\n   出处：杨府发〔2024〕4号"
    rasa.replies.append([{"text": report_text}, {"custom": {"checkup": REPORT}}])
    reply = content_of(post(client, text_xml("生成报告", msg_id=3)))
    assert size(reply) <= LIMIT_BYTES
    [link] = re.findall(r"http://chat\.test/checkup/[A-Za-z0-9_-]+", reply)
    assert "oUser1" not in link
    assert client.get(link.removeprefix(CHAT_PAGE.rstrip("/"))).status_code == 200


# ---- the report of a real profile: one message with the full report's link ---------------------

EVERY_IP_AND_PLAN = {
    c.SLOT_CHECKUP_INDUSTRY: "人工智能",
    c.SLOT_CHECKUP_LOCATION: "五角场街道",
    c.SLOT_CHECKUP_SIZE: "中小微企业",
    c.SLOT_CHECKUP_IP: "、".join(o for o in CHECKUP_OPTIONS["ip"] if o != "暂无"),
    c.SLOT_CHECKUP_PLANS: "、".join(o for o in CHECKUP_OPTIONS["plans"] if o != "暂无"),
    c.SLOT_CHECKUP_DISPUTE: "海外纠纷",
    c.SLOT_CHECKUP_CONFIRMED: True,
}


def rasa_messages(slots: dict[str, Any]) -> list[dict[str, Any]]:
    """What Rasa sends for the report action on the real knowledge base: the text, then its JSON."""
    base = load_knowledge(ROOT / "knowledge")
    dispatcher = CollectingDispatcher()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(resources, "get_knowledge", lambda: base)
        asyncio.run(ActionCheckupReport().run(dispatcher, make_tracker("生成报告", slots=slots), {}))
    [message] = dispatcher.messages
    return [{"text": message["text"], "buttons": message["buttons"]}, {"custom": message["custom"]}]


def test_a_real_report_is_one_message_with_its_link_and_every_heading(
    wechat: tuple[TestClient, SlowRasa], fake_api: FakeWeChat
) -> None:
    client, rasa = wechat
    messages = rasa_messages(EVERY_IP_AND_PLAN)
    full = messages[0]["text"]
    assert size(full) > 3 * LIMIT_BYTES  # the whole report would take several messages
    rasa.replies.append(messages)
    reply = content_of(post(client, text_xml("生成报告", msg_id=11)))
    assert size(reply) <= LIMIT_BYTES
    assert "继续" not in reply and not fake_api.sent  # nothing held back or sent later
    [link] = re.findall(r"http://chat\.test/checkup/[A-Za-z0-9_-]+", reply)
    assert reply.index(link) < reply.index("【")  # the full report's link before the first section
    sections = messages[1]["custom"]["checkup"]["sections"]
    assert [s["key"] for s in sections] == ["apply", "caution", "where", "next"]
    for section in sections:
        assert f"【{section['title']}】" in reply
        first = section["lines"][0]
        assert f"1. {first['brief']}" in reply, first  # a line in short: its reason, its entry's title
    assert "——杨浦区知识产权质押贷款贴息" in reply  # a brief citation: the rule's title
    assert re.search(r"另有\d+条，见完整报告", reply)
    assert "1. 转人工" in reply  # the report's buttons, numbered
    page = client.get(link.removeprefix(CHAT_PAGE.rstrip("/")))
    assert page.status_code == 200 and all(s["title"] in page.text for s in sections)


@pytest.mark.parametrize(
    ("limit", "lines_per_section"), [(LIMIT_BYTES, 2), (1000, 1), (400, 0), (150, None)]
)
def test_the_short_report_fits_any_room_by_showing_fewer_lines(
    limit: int, lines_per_section: int | None
) -> None:
    [_, custom] = rasa_messages(EVERY_IP_AND_PLAN)
    report = custom["custom"]["checkup"]
    url = "https://chat.example.gov.cn/checkup/" + "a" * 32
    short = render_report(report, url, limit)
    assert size(short) <= limit
    if lines_per_section is None:  # less room than the headings need: cut, never over
        return
    assert url in short
    headings = [f"【{section['title']}】" for section in report["sections"]]
    for section, heading, following in zip(report["sections"], headings, [*headings[1:], ""], strict=True):
        count = len(section["lines"])
        if lines_per_section == 0:
            assert f"{heading}共{count}条，见完整报告" in short
            continue
        shown = short.split(heading)[1].split(following)[0] if following else short.split(heading)[1]
        assert len(shown.strip().splitlines()) == lines_per_section + 1, shown  # its lines, "另有N条"
        assert f"另有{count - lines_per_section}条，见完整报告" in shown


def test_an_empty_report_keeps_its_words_and_has_no_link(wechat: tuple[TestClient, SlowRasa]) -> None:
    client, rasa = wechat
    skipped = {**dict.fromkeys(c.CHECKUP_SLOTS, "跳过"), c.SLOT_CHECKUP_CONFIRMED: True}
    rasa.replies.append(rasa_messages(skipped))
    reply = content_of(post(client, text_xml("生成报告", msg_id=12)))
    assert "没有找到对口" in reply and "/checkup/" not in reply and "1. 转人工" in reply


def test_the_subscribe_welcome_mentions_the_checkup() -> None:
    assert "知识产权体检" in text.WELCOME and size(text.WELCOME) <= LIMIT_BYTES
