"""bench.load.compare: bots interleaved question by question, failures counted, questions read from files."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from bench.load.compare import parse_bot, read_questions, run


def test_every_question_goes_to_every_bot_in_turn_and_failures_are_counted() -> None:
    seen: list[tuple[str, str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append((request.url.host, body["sender_id"], body["message"]))
        if request.url.host == "broken":
            return httpx.Response(503, json={"detail": "稍后再试"})
        return httpx.Response(200, json={"replies": [{"text": "好"}]})

    good, broken = parse_bot("good=http://good=1"), parse_bot("broken=http://broken/=2,3")
    run(
        [good, broken],
        ["甲", "乙", "丙"],
        rounds=2,
        turns_per_sender=2,
        transport=httpx.MockTransport(answer),
    )
    assert [host for host, _, _ in seen[:4]] == ["good", "broken", "good", "broken"]
    assert [message for host, _, message in seen if host == "good"] == ["甲", "乙", "丙"] * 2
    senders = [sender for host, sender, _ in seen if host == "good"]
    assert senders[0] == senders[1] != senders[2]  # two questions per conversation
    assert len(good.latencies_ms) == 6 and good.failures == 0
    assert broken.latencies_ms == [] and broken.failures == 6
    assert (broken.url, broken.ports) == ("http://broken", [2, 3])


def test_questions_come_from_question_or_turns(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    rows = [{"id": "a", "question": "专利"}, {"id": "b", "turns": ["你好", "商标"]}]
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    assert read_questions(path) == ["专利", "你好", "商标"]
    assert read_questions(None)  # the load tool's questions
