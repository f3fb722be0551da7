"""No conversation gets stuck and the handover survives bad input, through /api/chat on the real bot."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import RunningBot

pytestmark = pytest.mark.e2e


def say(bot: RunningBot, sender: str, message: str) -> dict[str, Any]:
    response = httpx.post(f"{bot.url}/api/chat", json={"sender_id": sender, "message": message}, timeout=30)
    assert response.status_code == 200, (message, response.text)
    body: dict[str, Any] = response.json()
    texts = [reply["text"] for reply in body["replies"]]
    assert body["replies"] and len(texts) <= 3, (message, texts)  # one plan, never a reply ten times
    assert len(set(texts)) == len(texts), (message, texts)
    return body


def text_of(body: dict[str, Any]) -> str:
    return "\n".join(reply["text"] for reply in body["replies"])


def rasa_log(bot: RunningBot) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in bot.log_dir.glob("*rasa*"))


def test_a_place_after_an_answer_routes_and_the_sender_can_go_on(running_bot: RunningBot) -> None:
    sender = "e2e-stuck-pattern"
    say(running_bot, sender, "知识产权质押贷款有贴息吗")
    routed = say(running_bot, sender, "我们公司在新江湾城街道 材料交哪")
    types = {station["type"] for reply in routed["replies"] for station in reply["stations"]}
    assert types and types <= {"service_center", "tech_transfer"}  # the pledge-loan need, remembered
    assert "同意" in text_of(say(running_bot, sender, "转人工"))
    assert "Circuit breaker" not in rasa_log(running_bot)


@pytest.mark.parametrize("message", ["12345", "2024", "asdfghjkl", "88", "这个电话是干什么用的"])
def test_numbers_and_gibberish_are_never_goodbye(running_bot: RunningBot, message: str) -> None:
    body = say(running_bot, f"e2e-noise-{abs(hash(message)) % 10**6}", message)
    assert "再见" not in text_of(body)


def test_handover_survives_bad_values_reads_back_and_records(running_bot: RunningBot) -> None:
    sender = "e2e-handover-bad-input"
    assert "同意" in text_of(say(running_bot, sender, "转人工"))
    assert "称呼" in text_of(say(running_bot, sender, "同意"))
    assert "单位" in text_of(say(running_bot, sender, "姓陈"))
    assert "电话" in text_of(say(running_bot, sender, "上海某某科技有限公司"))
    retry = text_of(say(running_bot, sender, "6512345"))
    assert "号码" in retry and "再见" not in retry
    readback = text_of(say(running_bot, sender, "139 1234 5678"))
    assert "13912345678" in readback and "陈先生/女士" in readback and "上海某某科技有限公司" in readback
    corrected = text_of(say(running_bot, sender, "电话不对，应该是13900001111"))
    assert "13900001111" in corrected
    done = text_of(say(running_bot, sender, "确认"))
    assert "已记录" in done and "139****1111" in done


def test_a_stop_word_leaves_the_form_and_nothing_is_recorded(running_bot: RunningBot) -> None:
    sender = "e2e-handover-stop"
    for message in ("转人工", "同意", "姓陈", "上海某某科技有限公司"):
        say(running_bot, sender, message)
    stopped = text_of(say(running_bot, sender, "算了"))
    assert "已取消" in stopped and "已记录" not in stopped
    assert "贴息" in text_of(say(running_bot, sender, "质押贷款贴息多少"))
    # what was typed is gone from Rasa's tracker store too (service/rasa_privacy.py)
    with sqlite3.connect(running_bot.settings.var_dir / "rasa-tracker.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (f"web:{sender}",)).fetchall()
    stored = json.dumps([json.loads(data) for (data,) in rows], ensure_ascii=False)
    assert "贴息" in stored and "某某科技" not in stored and "姓陈" not in stored and "陈先生" not in stored


def test_an_answer_from_an_entry_of_unknown_status_says_so(running_bot: RunningBot) -> None:
    body = say(running_bot, "e2e-caution", "知识产权质押贷款，区里给贴息吗？")
    answer = next(reply for reply in body["replies"] if reply["sources"])
    assert "50%" in answer["text"] and "提示：" in answer["text"]
    assert any(source.get("caution") for source in answer["sources"])
