"""A long conversation continues in a new Rasa session without changing a reply (service/rasa_entry.py).

A second bot runs with IPGP_SESSION_TURNS=2, so a session continues before every third user message;
the same conversations on the shared bot (limit 10, never reached here) must get the same replies.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import httpx
import pytest

from service.conversation import conversation_id
from tests.e2e.conftest import RunningBot, bot_in

pytestmark = pytest.mark.e2e

LIMIT = 2
ADVICE = ["我们公司在新江湾城街道", "知识产权质押贷款有贴息吗", "那商标可以质押吗", "具体多少钱",
          "材料交哪", "去哪里办"]
HANDOVER = ["专利被人侵权了怎么办", "转人工", "同意", "姓陈", "上海某某科技有限公司", "6512345",
            "139 1234 5678", "对", "谢谢"]
REFERENCE = re.compile(r"YP-\d{8}-\w+")  # handover numbers are random


@pytest.fixture(scope="module")
def short_session_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    with bot_in(tmp_path_factory.mktemp("short-session-bot"), {"IPGP_SESSION_TURNS": str(LIMIT)}) as bot:
        yield bot


def replies(bot: RunningBot, sender: str, messages: list[str]) -> list[list[str]]:
    said = []
    for message in messages:
        body = {"sender_id": sender, "message": message}
        response = httpx.post(f"{bot.url}/api/chat", json=body, timeout=30)
        assert response.status_code == 200, (message, response.text)
        said.append([REFERENCE.sub("YP-…", reply["text"]) for reply in response.json()["replies"]])
    return said


def sessions(bot: RunningBot, sender: str) -> int:
    with sqlite3.connect(bot.settings.var_dir / "rasa-tracker.db") as db:
        query = "SELECT count(*) FROM events WHERE sender_id = ? AND type_name = 'session_started'"
        return int(db.execute(query, (conversation_id("web", sender),)).fetchone()[0])


@pytest.mark.parametrize("messages", [ADVICE, HANDOVER], ids=["advice", "handover"])
def test_a_continued_session_gives_every_reply_the_uncut_one_gives(
    running_bot: RunningBot, short_session_bot: RunningBot, messages: list[str]
) -> None:
    sender = f"e2e-continuation-{len(messages)}"
    expected = replies(running_bot, sender, messages)
    assert replies(short_session_bot, sender, messages) == expected
    assert sessions(running_bot, sender) == 1
    assert sessions(short_session_bot, sender) >= 2


def test_no_session_continues_inside_the_handover_form(short_session_bot: RunningBot) -> None:
    sender = "e2e-continuation-form"
    replies(short_session_bot, sender, HANDOVER[:2])  # the form asks for consent at message 2
    before = sessions(short_session_bot, sender)
    replies(short_session_bot, sender, HANDOVER[2:7])  # five answers inside the form
    assert sessions(short_session_bot, sender) == before
