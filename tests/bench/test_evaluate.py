"""The evaluation judge: what counts as a pass for each kind of item and check, and bad evaluation files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

import bench.evaluate as evaluate_module
from bench.evaluate import (
    Check,
    EvalFileError,
    Item,
    Post,
    check_response,
    judge,
    load_items,
    measure_latency,
    report,
    run_item,
    select_split,
    summarise,
    summarise_halves,
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
        ('{"kind": "multi", "turns": ["a", "b"], "checks": [null]}', "one \\(or null\\) per turn"),
        ('{"kind": "multi", "turns": ["a"], "checks": [null]}', "at least one check"),
        ('{"kind": "handover", "turns": ["a"], "checks": [{"shout": true}]}', "keys"),
        ('{"kind": "persona", "turns": ["a"], "checks": [{"fallback": "no"}]}', "`fallback`"),
        ('{"kind": "multi", "turns": ["a"], "checks": [{"expect": "50%"}]}', "`expect`"),
        ('{"kind": "unknown", "question": "a", "split": "dev"}', "`split`"),
    ],
)
def test_bad_lines_name_their_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"kind": "chitchat", "question": "你好"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match=rf"bad.jsonl:2: .*{message}"):
        load_items(path)


def test_latency_times_every_question_each_round_after_warmup() -> None:
    calls: list[str] = []

    def post(sender: str, message: str) -> dict[str, Any]:
        calls.append(sender.split("-")[0])
        return reply("好")

    timings = measure_latency(post, ["一", "二"], rounds=3)
    assert len(timings) == 6 and all(ms >= 0 for ms in timings)
    assert calls.count("warmup") == 2 and calls.count("latency") == 6


# ---- the corpus kinds (issue #11): per-turn checks, honesty, repeats, HTTP errors, halves ----------


def answer(
    text: str = "",
    sources: int = 0,
    stations: tuple[str, ...] = (),
    fallback: bool = False,
    tier: str | None = None,
) -> dict[str, Any]:
    body = reply(text, sources, stations, fallback)
    if tier is not None:
        body["replies"][0]["tier"] = tier
    return body


def scripted(*responses: dict[str, Any] | Exception) -> tuple[Post, list[tuple[str, str]]]:
    """A fake /api/chat answering the turns in order; an exception stands for an HTTP error."""
    queue = list(responses)
    sent: list[tuple[str, str]] = []

    def post(sender: str, message: str) -> dict[str, Any]:
        sent.append((sender, message))
        response = queue.pop(0)
        if isinstance(response, Exception):
            raise response
        return response

    return post, sent


def http_503() -> httpx.HTTPStatusError:
    request = httpx.Request("POST", "http://bot/api/chat")
    return httpx.HTTPStatusError("503", request=request, response=httpx.Response(503, request=request))


def conversation(kind: str, *checks: Check | None) -> Item:
    turns = tuple(f"第{n}句" for n in range(1, len(checks) + 1))
    return Item(f"{kind[0]}1", kind, turns, checks=checks, split="test")


UNKNOWN = Item("u1", "unknown", ("发明专利申请费多少钱",), split="test")


@pytest.mark.parametrize(
    "response",
    [
        answer("没有找到可靠答案", fallback=True, tier="none"),
        answer("可以咨询以下机构", stations=("service_center",)),
        answer("最相关的内容：……", sources=1, tier="closest"),
    ],
)
def test_unknown_is_honest_with_a_fallback_stations_or_a_closest_match(response: dict[str, Any]) -> None:
    assert judge(UNKNOWN, response).passed


def test_unknown_fails_on_a_certain_answer_or_a_plain_reply() -> None:
    certain = judge(UNKNOWN, answer("申请费900元", sources=1, stations=("service_center",), tier="certain"))
    assert not certain.passed and "tier certain" in certain.why
    plain = judge(UNKNOWN, answer("申请费900元", sources=1))
    assert not plain.passed and "closest" in plain.why


@pytest.mark.parametrize(
    ("check", "good", "bad", "why"),
    [
        (Check(expect=("50%", "贴息|补贴")), answer("补贴50%"), answer("补贴见细则"), "missing '50%'"),
        (Check(not_expect=("再见",)), answer("请留电话"), answer("再见！"), "contains '再见'"),
        (Check(sources=True), answer("好", sources=1), answer("好"), "no sources"),
        (Check(sources=False), answer("好"), answer("好", sources=2), "2 sources"),
        (
            Check(route=frozenset({"mediation", "court"})),
            answer("调解", stations=("mediation",)),
            answer("调解", stations=("regulator",)),
            "station types regulator, wanted court|mediation",
        ),
        (Check(fallback=True), answer("答不了", fallback=True), answer("答不了"), "fallback is false"),
        (Check(fallback=False), answer("您好"), answer("您好", fallback=True), "fallback is true"),
        (Check(honest=True), answer("答不了", fallback=True), answer("是", tier="certain"), "tier certain"),
    ],
)
def test_each_check_key_passes_and_fails(
    check: Check, good: dict[str, Any], bad: dict[str, Any], why: str
) -> None:
    assert check_response(check, good) == []
    assert why in "; ".join(check_response(check, bad))


def test_multi_checks_every_turn_with_one_sender() -> None:
    item = conversation("multi", Check(expect=("1500",)), None, Check(expect=("4500",)))
    post, sent = scripted(answer("每件最高1500元"), answer("好的"), answer("每件最高4500元"))
    verdict = run_item(post, item)
    assert verdict.passed and verdict.replies == ("每件最高1500元", "好的", "每件最高4500元")
    assert [message for _, message in sent] == ["第1句", "第2句", "第3句"]
    assert len({sender for sender, _ in sent}) == 1

    post, _ = scripted(answer("每件最高1500元"), answer("好的"), answer("没有找到"))
    failed = run_item(post, item)
    assert not failed.passed and failed.why == "turn 3: missing '4500'" and failed.reply_text == "没有找到"


def test_a_word_for_word_repeat_fails_the_conversation() -> None:
    item = conversation("multi", Check(expect=("50%",)), Check(fallback=False))
    post, _ = scripted(answer("贴息50%"), answer("贴息50%"))
    verdict = run_item(post, item)
    assert not verdict.passed and verdict.repeated
    assert "turn 2: repeats the previous reply word for word" in verdict.why


def test_an_http_error_fails_the_conversation_and_later_turns_are_still_sent() -> None:
    item = conversation("persona", None, Check(route=frozenset({"trademark_station"})), Check(fallback=False))
    post, sent = scripted(answer("您好"), http_503(), answer("请问还有什么问题"))
    verdict = run_item(post, item)
    assert not verdict.passed and verdict.http_error and not verdict.repeated
    assert verdict.why.startswith("turn 2: HTTP error") and len(sent) == 3
    assert verdict.replies == ("您好", "", "请问还有什么问题")


def test_handover_script_fails_when_an_invalid_phone_ends_the_form() -> None:
    asked_again = Check(expect=("电话|号码",), not_expect=("再见",))
    done = Check(expect=("已记录", "139****5678"))
    item = conversation("handover", None, asked_again, done)
    good, _ = scripted(
        answer("请留电话"),
        answer("这个号码好像不对，请留电话"),
        answer("已记录，我们会通过139****5678联系您"),
    )
    assert run_item(good, item).passed
    bad, _ = scripted(answer("请留电话"), answer("再见！"), answer("有什么可以帮您"))
    verdict = run_item(bad, item)
    assert not verdict.passed
    assert "turn 2: missing '电话|号码'" in verdict.why and "turn 2: contains '再见'" in verdict.why
    assert "turn 3: missing '已记录'" in verdict.why and verdict.reply_text == "再见！"


def test_a_route_of_several_turns_is_judged_on_its_last_turn_and_checked_for_repeats() -> None:
    item = Item("r2", "route", ("想注册商标", "在五角场"), allowed_types=frozenset({"trademark_station"}))
    post, _ = scripted(answer("请问在哪个街道"), answer("请问在哪个街道"))
    verdict = run_item(post, item)
    assert not verdict.passed and verdict.repeated and "station types none" in verdict.why


def test_load_items_reads_corpus_fields_and_checks(tmp_path: Path) -> None:
    rows = [
        {"id": "u", "kind": "unknown", "split": "test", "register": "english", "question": "fee?"},
        {
            "id": "p",
            "kind": "persona",
            "split": "tune",
            "register": "colloquial",
            "from": "faq:x",
            "goal": "找到商标指导站",
            "persona": "founder",
            "turns": ["你好", "想注册商标"],
            "checks": [None, {"route": "trademark_station", "expect": ["商标"], "sources": True}],
        },
    ]
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    unknown, persona = load_items(path)
    assert unknown.kind == "unknown" and unknown.split == "test" and unknown.register == "english"
    assert unknown.turn_checks() == (Check(honest=True),)
    assert persona.origin == "faq:x" and persona.goal == "找到商标指导站"
    assert persona.checks == (
        None,
        Check(expect=("商标",), sources=True, route=frozenset({"trademark_station"})),
    )


def test_halves_are_summarised_against_the_corpus_goals() -> None:
    tune = Item("o1", "out_of_scope", ("天气",), split="tune")
    test = Item("o2", "out_of_scope", ("天气",), split="test")
    verdicts = [judge(tune, answer("答不了", fallback=True))] * 49 + [judge(tune, answer("晴"))]
    verdicts += [judge(test, answer("答不了", fallback=True))] * 48 + [judge(test, answer("晴"))] * 2
    summary = summarise_halves(verdicts)
    assert summary[("out_of_scope", "tune")]["rate"] == pytest.approx(0.98)
    assert summary[("out_of_scope", "tune")]["met"] == 1.0 and summary[("out_of_scope", "test")]["met"] == 0.0
    assert summary[("out_of_scope", "test")]["goal"] == 0.98
    assert [item.id for item in select_split([tune, test], "test")] == ["o2"]
    assert select_split([tune, test], "all") == [tune, test]


def test_report_lists_test_half_failures_and_counts_broken_conversations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    tune = conversation("multi", Check(expect=("甲",)), Check(expect=("乙",)))
    test = Item("m2", "multi", ("问一", "问二"), checks=tune.checks, split="test")
    tune = Item("m1", "multi", tune.turns, checks=tune.checks, split="tune")
    failed_tune = run_item(scripted(answer("甲"), answer("甲"))[0], tune)
    failed_test = run_item(scripted(answer("甲"), http_503())[0], test)
    assert not report([failed_tune, failed_test], [])
    out = capsys.readouterr().out
    assert "FAIL m2 (multi): turn 2: HTTP error" in out and "turns: 问一 / 问二" in out
    assert "FAIL m1" not in out
    assert "multi tune" in out and "multi test" in out and "MISSED" in out
    assert "with an HTTP error: 1, with a word-for-word repeat: 1" in out


def test_main_runs_one_split_writes_verdicts_and_exits_1_on_a_missed_goal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        {"id": "c1", "kind": "chitchat", "split": "tune", "question": "你好"},
        {"id": "c2", "kind": "chitchat", "split": "test", "question": "谢谢"},
    ]
    dataset = tmp_path / "corpus.jsonl"
    dataset.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")

    def fake_http_post(client: httpx.Client, url: str) -> Post:
        return lambda sender, message: answer("您好") if message == "你好" else answer("", fallback=True)

    monkeypatch.setattr(evaluate_module, "http_post", fake_http_post)
    out = tmp_path / "verdicts.json"
    common = ["--url", "http://bot", "--rounds", "0", "--json", str(out)]
    assert evaluate_module.main([str(dataset), "--split", "tune", *common]) == 0
    assert [record["id"] for record in json.loads(out.read_text(encoding="utf-8"))] == ["c1"]
    assert evaluate_module.main([str(dataset), *common]) == 1
    records = json.loads(out.read_text(encoding="utf-8"))
    assert [(record["id"], record["passed"], record["split"]) for record in records] == [
        ("c1", True, "tune"),
        ("c2", False, "test"),
    ]
    assert records[1]["why"] == "fallback is true; empty reply" and records[1]["replies"] == [""]
