"""知识产权体检: scripted check-ups through the form and the report, against the real knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.checkup import ALL_SLOTS, ActionCheckupReport, ValidateCheckupForm, parse_answer
from actions.checkup_report import MAX_UNLOCATED
from actions.routing import serves
from retrieval.knowledge import KnowledgeBase, load_knowledge
from retrieval.schema import CHECKUP_OPTIONS, StationType
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
]


def test_profiles_cover_every_industry_and_ip_option() -> None:
    industries = {answers[0] for _, answers, _ in PROFILES}
    assert set(CHECKUP_OPTIONS["industry"]) <= industries
    held = {part for _, answers, _ in PROFILES for part in answers[3].split("、")}
    assert set(CHECKUP_OPTIONS["ip"]) <= held
    assert any("融资" in answers[4] for _, answers, _ in PROFILES)
    assert any(answers[5] in ("国内纠纷", "海外纠纷") for _, answers, _ in PROFILES)


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "answers", "expected"), PROFILES, ids=[p[0] for p in PROFILES])
async def test_scripted_checkup_is_grounded(
    name: str, answers: list[str], expected: set[str], base: KnowledgeBase, domain: dict[str, Any]
) -> None:
    run, message = await checkup(answers, domain)
    entries = {line["entry"] for line in lines(message["custom"])}
    assert expected <= entries, expected - entries
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
    assert not message.get("custom")
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
