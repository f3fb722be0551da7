"""The 公众号 menu on the real bot: a signed CLICK on 企业体检, or the typed keyword, starts the check-up."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.main import create_app
from service.settings import Settings
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
