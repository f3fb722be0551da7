"""The dev-set judge: what counts as a pass for each kind of item, and bad evaluation files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service.evaluate import (
    EvalFileError,
    Item,
    judge,
    load_items,
    measure_latency,
    percentile,
    run_item,
    summarise,
)


def reply(
    text: str = "", sources: int = 0, stations: tuple[str, ...] = (), fallback: bool = False
) -> dict[str, Any]:
    return {
        "sender_id": "s",
        "fallback": fallback,
        "replies": [
            {
                "text": text,
                "sources": [{"title": f"s{n}"} for n in range(sources)],
                "stations": [{"type": code, "name": code} for code in stations],
            }
        ],
    }


FACT = Item("f1", "fact", ("贴息多少？",), expect=("50%", "贴息|补贴"))
ROUTE = Item("r1", "route", ("想维权",), allowed_types=frozenset({"protection_center", "regulator"}))
OUT = Item("o1", "out_of_scope", ("天气",))
CHAT = Item("c1", "chitchat", ("你好",))


def test_fact_needs_every_expected_fact_and_a_source() -> None:
    assert judge(FACT, reply("贴息比例为50%。", sources=1)).passed
    assert judge(FACT, reply("贴息比例为５０％。", sources=1)).passed  # full-width digits count
    assert judge(FACT, reply("补贴比例为50%。", sources=1)).passed  # one alternative is enough
    missing = judge(FACT, reply("贴息比例见文件。", sources=1))
    assert not missing.passed and "'50%'" in missing.why
    assert "no sources" in judge(FACT, reply("贴息50%", sources=0)).why


def test_route_needs_a_station_of_an_allowed_type() -> None:
    assert judge(ROUTE, reply("请联系", stations=("service_center", "regulator"))).passed
    wrong = judge(ROUTE, reply("请联系", stations=("trademark_station",)))
    assert not wrong.passed and "trademark_station" in wrong.why
    assert not judge(ROUTE, reply("请告诉我您的需求")).passed


def test_out_of_scope_needs_fallback_and_no_sources() -> None:
    assert judge(OUT, reply("这个我答不了", fallback=True)).passed
    assert not judge(OUT, reply("晴", fallback=False)).passed
    assert "1 sources" in judge(OUT, reply("晴", sources=1, fallback=True)).why


def test_chitchat_needs_a_non_fallback_reply() -> None:
    assert judge(CHAT, reply("您好！我可以回答知识产权问题。")).passed
    assert not judge(CHAT, reply("您好", fallback=True)).passed
    assert not judge(CHAT, reply("")).passed


def test_multi_turn_items_send_turns_in_order_with_one_sender() -> None:
    sent: list[tuple[str, str]] = []

    def post(sender: str, message: str) -> dict[str, Any]:
        sent.append((sender, message))
        return reply(stations=("trademark_station",) if message == "在五角场" else ())

    item = Item("m1", "route", ("想注册商标", "在五角场"), allowed_types=frozenset({"trademark_station"}))
    assert run_item(post, item).passed
    assert [message for _, message in sent] == ["想注册商标", "在五角场"]
    assert len({sender for sender, _ in sent}) == 1


def test_summary_compares_each_kind_with_its_goal() -> None:
    verdicts = [judge(FACT, reply("50%贴息", sources=1))] * 19 + [judge(FACT, reply("无"))]
    verdicts += [judge(ROUTE, reply(stations=("regulator",))), judge(ROUTE, reply())]
    summary = summarise(verdicts)
    assert summary["fact"]["rate"] == pytest.approx(0.95) and summary["fact"]["met"] == 1.0
    assert summary["route"]["passed"] == 1 and summary["route"]["met"] == 0.0
    assert "chitchat" not in summary


def test_load_items_reads_questions_and_turns(tmp_path: Path) -> None:
    path = tmp_path / "dev.jsonl"
    rows = [
        {"id": "a", "kind": "fact", "question": "多少？", "expect": ["50%"]},
        {
            "id": "b",
            "kind": "route",
            "turns": ["注册商标", "五角场"],
            "route": "trademark_station|service_center",
        },
    ]
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n\n", encoding="utf-8")
    fact, route = load_items(path)
    assert fact.turns == ("多少？",) and fact.expect == ("50%",)
    assert route.turns == ("注册商标", "五角场")
    assert route.allowed_types == {"trademark_station", "service_center"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not JSON"),
        ('{"kind": "poem", "question": "x"}', "`kind`"),
        ('{"kind": "fact", "expect": ["1"]}', "`question`"),
        ('{"kind": "route", "question": "去哪"}', "`route`"),
        ('{"kind": "fact", "question": "多少"}', "`expect`"),
    ],
)
def test_bad_lines_name_their_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"kind": "chitchat", "question": "你好"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match=rf"bad.jsonl:2: .*{message}"):
        load_items(path)


def test_percentile_is_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile([7.0], 0.95) == 7.0


def test_latency_times_every_question_each_round_after_warmup() -> None:
    calls: list[str] = []

    def post(sender: str, message: str) -> dict[str, Any]:
        calls.append(sender.split("-")[0])
        return reply("好")

    timings = measure_latency(post, ["一", "二"], rounds=3)
    assert len(timings) == 6 and all(ms >= 0 for ms in timings)
    assert calls.count("warmup") == 2 and calls.count("latency") == 6
