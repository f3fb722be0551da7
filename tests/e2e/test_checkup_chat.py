"""知识产权体检 through /api/chat on the real bot: keyword, buttons' texts, skip, change, report, stop."""

from __future__ import annotations

import re
import shutil
from typing import Any

import httpx
import pytest

from retrieval.knowledge import CHECKUP_FILE
from retrieval.store import live_knowledge_dir
from service.supervisor import ROOT
from tests.e2e.conftest import RunningBot

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def bot(running_bot: RunningBot) -> RunningBot:
    """The bot, its live knowledge holding checkup.yml (a build made before the check-up lacks it
    until the next `make index`; copying it in is what that rebuild would do)."""
    live = live_knowledge_dir(running_bot.settings.index_dir)
    assert live is not None
    if not (live / CHECKUP_FILE).exists():
        shutil.copy(ROOT / "knowledge" / CHECKUP_FILE, live / CHECKUP_FILE)
    return running_bot


def say(bot: RunningBot, sender: str, message: str) -> dict[str, Any]:
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
