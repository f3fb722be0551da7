"""知识产权体检 over the signed WeChat webhook: digits answer the buttons, the report links its print page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from service.wechat.split import LIMIT_BYTES, size
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
