"""The 公众号 on the real bot: a signed CLICK on 企业体检, or the keyword, starts the check-up; it ends in
one message with the report's link."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.main import create_app
from service.settings import Settings
from service.wechat.split import LIMIT_BYTES, size
from tests.e2e.conftest import RunningBot
from tests.service.test_wechat_crypto import TOKEN
from tests.service.test_wechat_menu import CHECKUP_KEY, event_xml
from tests.service.test_wechat_webhook import content_of, post, text_xml

pytestmark = pytest.mark.e2e
pytest_plugins = ["tests.e2e.test_checkup_chat"]  # its fixture `bot`: the live knowledge holds checkup.yml


@pytest.fixture(scope="module")
def wechat(bot: RunningBot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A gateway with a WeChat token in front of the running Rasa (passive replies only)."""
    settings = Settings(
        var_dir=Path(tmp_path_factory.mktemp("wechat-var")),
        index_dir=bot.settings.index_dir,
        rasa_port=bot.settings.rasa_port,
        action_port=bot.settings.action_port,
        public_url="http://chat.test/",
        wechat_token=TOKEN,
        wechat_reply_deadline_s=30.0,  # the first turns may wait for the action server's model
    )
    with TestClient(create_app(settings)) as client:
        yield client


def say(client: TestClient, body: str) -> str:
    time.sleep(1.0)  # a person's pace (per-user rate limit)
    return content_of(post(client, body))


# How a user opens the check-up: the menu button, or typing the keyword.
OPENERS: dict[str, Callable[[str], str]] = {
    "menu-click": lambda openid: event_xml("CLICK", CHECKUP_KEY).replace("oUser1", openid),
    "keyword": lambda openid: text_xml("知识产权体检", msg_id=1, openid=openid),
}


@pytest.mark.parametrize("opener", list(OPENERS))
def test_the_menu_button_and_the_keyword_start_the_checkup(wechat: TestClient, opener: str) -> None:
    openid = f"oMenu-{opener}"
    first = say(wechat, OPENERS[opener](openid))
    assert "第1步" in first and "人工智能" in first, first
    digit = next(line.split(".")[0] for line in first.splitlines() if line.endswith(". 人工智能"))
    assert "第2步" in say(wechat, text_xml(digit, msg_id=2, openid=openid))
    assert "已退出知识产权体检" in say(wechat, text_xml("取消", msg_id=3, openid=openid))


def digit_for(reply: str, title: str) -> str:
    """The number the reply gives an option ("3. 中小微企业" → "3")."""
    return next(line.split(".")[0] for line in reply.splitlines() if line.endswith(f". {title}"))


def test_a_checkup_runs_to_a_report_in_one_message(wechat: TestClient) -> None:
    openid = "oMenu-report"
    ids = iter(range(100, 200))

    def reply_to(words: str) -> str:
        return say(wechat, text_xml(words, msg_id=next(ids), openid=openid))

    first = reply_to("知识产权体检")
    assert "第2步" in reply_to(digit_for(first, "人工智能"))
    third = reply_to("五角场")
    assert "第3步" in third
    assert "第4步" in reply_to(digit_for(third, "中小微企业"))
    assert "第5步" in reply_to("专利、商标、软著")  # several types typed: the buttons list fewer
    sixth = reply_to("融资、出海、技术许可、品牌建设")
    assert "第6步" in sixth
    readback = reply_to(digit_for(sixth, "海外纠纷"))
    assert "请核对您的回答" in readback and "开拓海外市场" in readback
    which = reply_to(digit_for(readback, "修改"))  # 修改 offers each field as an option
    assert "修改哪一项" in which and ". 修改所在地" in which
    assert "第2步" in reply_to(digit_for(which, "修改所在地"))
    readback = reply_to("长阳创谷")
    assert "所在地：长阳创谷" in readback
    report = reply_to(digit_for(readback, "生成报告"))
    assert size(report) <= LIMIT_BYTES and "继续" not in report  # one message, nothing held back
    [link] = re.findall(r"http://chat\.test/checkup/[A-Za-z0-9_-]+", report)
    assert openid not in link and report.index(link) < report.index("【")
    for heading in ("【可以申请/可以利用】", "【需要注意】", "【去哪里办】", "【下一步】"):
        assert heading in report, report
    assert "见完整报告" in report and "1. 转人工" in report
    page = wechat.get(link.removeprefix("http://chat.test"))
    assert page.status_code == 200 and "长阳创谷" in page.text and "出处：" in page.text
