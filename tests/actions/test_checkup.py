"""知识产权体检: scripted check-ups through the form and the report, against the real knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.checkup import (
    ALL_SLOTS,
    ActionCheckupReport,
    ValidateCheckupForm,
    changed_field,
    parse_answer,
    profile_of,
)
from actions.checkup_report import MAX_UNLOCATED
from actions.routing import serves
from retrieval.knowledge import KnowledgeBase, load_knowledge
from retrieval.schema import CHECKUP_FIELDS, CHECKUP_OPTIONS, SKIPPED, StationType
from tests.actions.conftest import make_tracker

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def base() -> KnowledgeBase:
    return load_knowledge(ROOT / "knowledge")


@pytest.fixture(autouse=True)
def real_knowledge(monkeypatch: pytest.MonkeyPatch, base: KnowledgeBase) -> None:
    monkeypatch.setattr(resources, "get_knowledge", lambda: base)


class Run:
    """One scripted check-up: the slots, what the bot said, and the report."""

    def __init__(self) -> None:
        self.slots: dict[str, Any] = dict.fromkeys(ALL_SLOTS)
        self.said: list[str] = []
        self.buttons: list[dict[str, Any]] = []  # of the last message that had any
        self.ended = False
        self.report: dict[str, Any] = {}

    @property
    def requested(self) -> str | None:
        if self.slots[c.SLOT_CHECKUP_CONFIRMED] is False:
            return None
        return next((s for s in ALL_SLOTS if self.slots[s] is None), None)

    async def say(self, text: str, domain: dict[str, Any]) -> None:
        assert not self.ended, "the form has ended"
        dispatcher = CollectingDispatcher()
        slots = {**self.slots, c.SLOT_REQUESTED: self.requested}
        tracker = make_tracker(text, c.INFORM, slots=slots, active_loop=c.CHECKUP_FORM)
        events = await ValidateCheckupForm().run(dispatcher, tracker, domain)
        for event in events:
            if event["event"] == "slot" and event["name"] in self.slots:
                self.slots[event["name"]] = event["value"]
            if event["event"] == "slot" and event["name"] == c.SLOT_REQUESTED and event["value"] is None:
                self.ended = True
        self.said += [m["text"] for m in dispatcher.messages if m.get("text")]
        self.buttons = next((m["buttons"] for m in dispatcher.messages if m.get("buttons")), self.buttons)
        if self.requested is None:
            self.ended = True

    async def finish(self, domain: dict[str, Any]) -> dict[str, Any]:
        dispatcher = CollectingDispatcher()
        tracker = make_tracker("生成报告", c.INFORM, slots=self.slots)
        events = await ActionCheckupReport().run(dispatcher, tracker, domain)
        [message] = dispatcher.messages
        self.report = message.get("custom") or {}
        cleared = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
        assert cleared >= set(ALL_SLOTS)  # nothing of the profile is kept
        return message


async def checkup(answers: list[str], domain: dict[str, Any]) -> tuple[Run, dict[str, Any]]:
    run = Run()
    for answer in answers:
        await run.say(answer, domain)
    assert run.ended
    return run, await run.finish(domain)


def lines(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for section in report["checkup"]["sections"] for line in section["lines"]]


def assert_grounded(report: dict[str, Any], base: KnowledgeBase, place: str | None) -> None:
    """Every line cites an entry that exists; every station serves the profile's place."""
    located = base.resolve_location(place) if place else None
    for line in lines(report):
        kind, ident = line["ref"]["kind"], line["ref"]["id"]
        assert line["source"], line
        if kind == "rule":
            assert any(r.id == ident for r in base.rules), ident
        elif kind == "faq":
            assert any(f.id == ident for f in base.faq), ident
        elif kind == "document":
            assert any(d.meta.id == ident for d in base.documents), ident
        elif kind == "station_type":
            assert any(t.code == ident for t in base.station_types), ident
        else:
            assert kind == "station"
            station = base.station(ident)
            assert station is not None, ident
            assert line["demo"] == station.demo
            assert ("演示数据" in line["text"]) == station.demo
            if located is not None:
                assert serves(station, located), (ident, place)
        assert any(e.id == line["entry"] for e in base.checkup)


PROFILES: list[tuple[str, list[str], set[str]]] = [
    # (name, answers: industry, place, size, IP held, plans, dispute, read-back; expected check-up entries)
    (
        "ai patents financing",
        ["人工智能", "五角场", "中小微企业", "专利", "融资", "没有", "生成报告"],
        {
            "key-industry",
            "financing-pledge-subsidy",
            "financing-jizhirong",
            "patent-high-value",
            "where-financing",
        },
    ),
    (
        "online trademark overseas",
        ["在线新经济", "长阳创谷", "大中型企业", "商标", "开拓海外市场", "没有", "确认"],
        {"overseas-insurance", "where-trademark", "where-overseas-plans", "trademark-subsidy-unknown"},
    ),
    (
        "manufacturing patent overseas",
        ["智能制造", "殷行街道", "中小微企业", "专利", "出海", "没有", "生成报告"],
        {"patent-overseas-subsidy", "next-foreign-patent", "patent-subsidy-phaseout"},
    ),
    (
        "creative copyright",
        ["创意设计", "大创智", "中小微企业", "版权或软件著作权", "品牌建设", "没有", "生成报告"],
        {"creative-copyright", "where-copyright", "where-brand", "brand-trademark-stations"},
    ),
    (
        "tech services licensing",
        ["科技服务", "湾谷科技园", "中小微企业", "专利、商标", "技术许可或引进", "没有", "生成报告"],
        {"licensing-open-license", "sme-dormant-patents", "where-licensing", "where-trademark"},
    ),
    (
        "life sciences domestic dispute",
        ["生命健康", "四平路街道", "大中型企业", "专利", "暂无", "国内纠纷", "生成报告"],
        {"domestic-dispute", "where-dispute-protection", "where-dispute-mediation", "where-dispute-court"},
    ),
    (
        "green, overseas dispute",
        ["绿色低碳", "跳过", "中小微企业", "商标", "开拓海外市场", "海外纠纷", "生成报告"],
        {"overseas-dispute", "where-overseas-plans", "next-dispute"},
    ),
    (
        "other, no IP, financing",
        ["其他", "平凉路街道", "中小微企业", "暂无", "融资", "没有", "生成报告"],
        {"no-ip-financing", "no-ip-portfolio", "no-ip-agency", "where-financing"},
    ),
    (
        "university, open licence",
        ["跳过", "复旦大学国家大学科技园", "高校或科研院所", "专利", "技术许可或引进", "跳过", "生成报告"],
        {"university-open-license", "licensing-open-license"},
    ),
    (
        "software copyright, typed",
        ["我们做软件和互联网", "新江湾城", "小微", "软著", "想贷款，也想出海", "没有", "好的"],
        {"where-copyright", "financing-pledge-subsidy", "overseas-insurance"},
    ),
    (
        "trademark, no place",
        ["人工智能", "跳过", "跳过", "商标", "品牌建设", "没有", "生成报告"],
        {"where-trademark", "trademark-subsidy-unknown", "next-trademark", "brand-trademark-stations"},
    ),
    (
        "every IP type",
        ["智能制造", "长海路街道", "大中型企业", "专利、商标、版权", "融资、品牌建设", "没有", "生成报告"],
        {"financing-jizhirong", "where-trademark", "where-copyright", "large-demonstration"},
    ),
    ("skip everything", [SKIPPED] * 6 + ["生成报告"], set()),
]


def parsed(answers: list[str], base: KnowledgeBase) -> dict[str, tuple[str, ...]]:
    """The profile the form reads from a script's six answers (in question order)."""
    questions = c.CHECKUP_SLOTS.items()
    slots = {slot: parse_answer(f, a, base) for (slot, f), a in zip(questions, answers, strict=False)}
    assert None not in slots.values(), slots  # every scripted answer is understood
    return profile_of(slots)


def test_profiles_cover_every_industry_and_ip_option(base: KnowledgeBase) -> None:
    profiles = [parsed(answers, base) for _, answers, _ in PROFILES]
    for field in ("industry", "ip"):
        chosen = {value for profile in profiles for value in profile[field]}
        assert set(CHECKUP_OPTIONS[field]) <= chosen, set(CHECKUP_OPTIONS[field]) - chosen
    assert any("融资" in p["plans"] for p in profiles)
    assert any("开拓海外市场" in p["plans"] for p in profiles)  # overseas plans
    disputes = {value for p in profiles for value in p["dispute"]}
    assert {"海外纠纷", "国内纠纷"} <= disputes
    assert any(not any(p.values()) for p in profiles)  # the skip-all case


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "answers", "expected"), PROFILES, ids=[p[0] for p in PROFILES])
async def test_scripted_checkup_is_grounded(
    name: str, answers: list[str], expected: set[str], base: KnowledgeBase, domain: dict[str, Any]
) -> None:
    run, message = await checkup(answers, domain)
    entries = {line["entry"] for line in lines(message["custom"])}
    assert expected <= entries, expected - entries
    if not expected:  # nothing to match: said so, no report lines
        assert "没有找到对口" in message["text"] and not entries
        return
    place = run.slots[c.SLOT_CHECKUP_LOCATION]
    assert_grounded(message["custom"], base, None if place in (None, "跳过") else place)
    text = message["text"]
    assert text.startswith("知识产权体检报告")
    assert text.count("出处：") == len(lines(message["custom"]))
    for heading in ("【可以申请/可以利用】", "【去哪里办】", "【下一步】"):
        if any(s["title"] in heading for s in message["custom"]["checkup"]["sections"]):
            assert heading in text
    assert {"title": "转人工", "payload": "/request_human"} in message["buttons"]


@pytest.mark.anyio
async def test_stations_follow_the_place(base: KnowledgeBase, domain: dict[str, Any]) -> None:
    _, message = await checkup(["人工智能", "五角场街道", "跳过", "商标", "暂无", "没有", "生成报告"], domain)
    stations = [line["ref"]["id"] for line in lines(message["custom"]) if line["ref"]["kind"] == "station"]
    trademark = [s for s in stations if base.station(s).type == StationType.trademark_station]  # type: ignore[union-attr]
    assert trademark == ["demo-tm-dachuangzhi"]
    assert "演示数据" in message["text"]


@pytest.mark.anyio
async def test_without_a_place_many_local_stations_are_not_listed(domain: dict[str, Any]) -> None:
    _, message = await checkup(["人工智能", "跳过", "跳过", "商标", "暂无", "没有", "生成报告"], domain)
    found = lines(message["custom"])
    assert not [x for x in found if x["ref"]["kind"] == "station" and x["entry"] == "where-trademark"]
    [note] = [x for x in found if x["ref"] == {"kind": "station_type", "id": "trademark_station"}]
    assert "没有填写所在街道或园区" in note["text"]
    assert MAX_UNLOCATED < 10


@pytest.mark.anyio
async def test_missing_facts_are_said_to_be_missing(domain: dict[str, Any]) -> None:
    _, message = await checkup(["跳过", "跳过", "跳过", "跳过", "融资", "跳过", "生成报告"], domain)
    [subsidy] = [x for x in lines(message["custom"]) if x["entry"] == "financing-pledge-subsidy"]
    assert "现行状态未核实" in subsidy["text"]
    assert "未见公开来源" in subsidy["text"]


@pytest.mark.anyio
async def test_skipping_everything_says_nothing_matched_and_offers_a_person(domain: dict[str, Any]) -> None:
    run, message = await checkup(["跳过"] * 6 + ["生成报告"], domain)
    assert "没有找到对口" in message["text"]
    # the profile still goes to the gateway, for the dashboard's count; no lines, so no print page
    assert message["custom"]["checkup"] == {"profile": {f: [] for f in CHECKUP_FIELDS}, "sections": []}
    assert {"title": "转人工", "payload": "/request_human"} in message["buttons"]
    assert all(run.slots[s] == "跳过" for s in c.CHECKUP_SLOTS)


@pytest.mark.anyio
async def test_back_change_and_invalid_answers(domain: dict[str, Any]) -> None:
    run = Run()
    await run.say("人工智能", domain)
    await run.say("五角场", domain)
    assert run.slots[c.SLOT_CHECKUP_LOCATION] == "五角场街道"
    await run.say("返回上一步", domain)
    assert run.requested == c.SLOT_CHECKUP_LOCATION
    await run.say("火星基地", domain)
    assert run.requested == c.SLOT_CHECKUP_LOCATION and "没找到这个街道或园区" in run.said[-1]
    await run.say("长阳创谷", domain)
    await run.say("随便吧啦啦", domain)
    assert run.requested == c.SLOT_CHECKUP_SIZE and "没看懂" in run.said[-1]
    await run.say("行业改成生命健康", domain)
    assert run.slots[c.SLOT_CHECKUP_INDUSTRY] == "生命健康"
    await run.say("中小企业", domain)
    await run.say("专利", domain)
    await run.say("融资", domain)
    await run.say("没有", domain)
    assert run.requested == c.SLOT_CHECKUP_CONFIRMED
    await run.say("修改所在地", domain)
    assert run.requested == c.SLOT_CHECKUP_LOCATION
    await run.say("殷行", domain)
    await run.say("生成报告", domain)
    assert run.ended
    message = await run.finish(domain)
    assert "行业 生命健康" in message["text"] and "所在地 殷行街道" in message["text"]


async def at_read_back(domain: dict[str, Any]) -> Run:
    run = Run()
    for answer in ["人工智能", "五角场", "中小微企业", "专利", "融资", "没有"]:
        await run.say(answer, domain)
    assert run.requested == c.SLOT_CHECKUP_CONFIRMED
    return run


@pytest.mark.anyio
async def test_change_at_the_read_back_offers_each_field_and_takes_a_bare_field_name(
    domain: dict[str, Any],
) -> None:
    run = await at_read_back(domain)
    await run.say("修改", domain)
    assert run.requested == c.SLOT_CHECKUP_CONFIRMED and "修改哪一项" in run.said[-1]
    titles = [b["title"] for b in run.buttons]
    assert titles[:2] == ["修改行业", "修改所在地"] and len(titles) == len(c.CHECKUP_SLOTS)
    fields = [changed_field(title) for title in titles]  # each button says a change the form reads
    assert fields == list(c.CHECKUP_SLOTS.values())
    await run.say("行业", domain)
    assert run.requested == c.SLOT_CHECKUP_INDUSTRY  # the industry question again
    assert run.slots[c.SLOT_CHECKUP_LOCATION] == "五角场街道"  # the other answers stay
    await run.say("生命健康", domain)
    assert run.requested == c.SLOT_CHECKUP_CONFIRMED
    await run.say("所在地", domain)
    assert run.requested == c.SLOT_CHECKUP_LOCATION
    await run.say("长阳创谷", domain)
    await run.say("生成报告", domain)
    message = await run.finish(domain)
    assert "行业 生命健康" in message["text"] and "所在地 长阳创谷" in message["text"]


@pytest.mark.anyio
async def test_a_change_naming_only_the_field_asks_again_instead_of_reading_an_answer(
    domain: dict[str, Any],
) -> None:
    run = await at_read_back(domain)
    await run.say("修改纠纷", domain)  # “纠纷” is also a word for 国内纠纷: not an answer here
    assert run.requested == c.SLOT_CHECKUP_DISPUTE and run.slots[c.SLOT_CHECKUP_DISPUTE] is None
    await run.say("纠纷改成海外纠纷", domain)
    assert run.slots[c.SLOT_CHECKUP_DISPUTE] == "海外纠纷"


@pytest.mark.anyio
async def test_a_bare_field_name_is_no_answer_to_a_question(domain: dict[str, Any]) -> None:
    run = Run()
    await run.say("行业", domain)  # at the first question “行业” names nothing to choose
    assert run.requested == c.SLOT_CHECKUP_INDUSTRY and "没看懂" in run.said[-1]


@pytest.mark.anyio
async def test_stop_at_any_time_forgets_everything(domain: dict[str, Any]) -> None:
    run = Run()
    await run.say("人工智能", domain)
    await run.say("取消", domain)
    assert run.ended
    message = await run.finish(domain)
    assert "已退出知识产权体检" in message["text"]


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("industry", "AI", "人工智能"),
        ("industry", "医药研发", "生命健康"),
        ("ip", "专利和软著", "专利、版权或软件著作权"),
        ("ip", "还没有", "暂无"),
        ("plans", "没计划", "暂无"),
        ("dispute", "没有纠纷", "没有"),
        ("dispute", "在美国被起诉了", "海外纠纷"),
        ("dispute", "有人抄袭我们", "国内纠纷"),
        ("location", "不在杨浦", "跳过"),
        ("size", "不清楚", "跳过"),
    ],
)
def test_answers_are_read_from_free_text(field: str, text: str, expected: str, base: KnowledgeBase) -> None:
    assert parse_answer(field, text, base) == expected


def test_domain_buttons_offer_every_option(domain: dict[str, Any]) -> None:
    for slot, field in c.CHECKUP_SLOTS.items():
        [response] = domain["responses"][f"utter_ask_{slot}"]
        titles = {b["payload"] for b in response["buttons"]}
        assert {"跳过", "取消"} <= titles
        if field in CHECKUP_OPTIONS:
            assert set(CHECKUP_OPTIONS[field]) <= titles, field
    assert domain["forms"][c.CHECKUP_FORM]["required_slots"] == list(ALL_SLOTS)
