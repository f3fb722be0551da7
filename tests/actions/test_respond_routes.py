"""action_respond routes: stations, labels, missing places and needs, places given when asked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.action_respond import ActionRespond
from retrieval.errors import KnowledgeFormatError
from retrieval.knowledge import KnowledgeBase, load_knowledge
from tests.actions.conftest import FakeSearcher, hit, make_tracker, shown
from tests.actions.test_respond_answers import slot


async def run(tracker: Any, domain: dict[str, Any]) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionRespond().run(dispatcher, tracker, domain)
    return dispatcher, events


@pytest.mark.anyio
async def test_one_shot_request_is_routed_without_questions(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("我们在五角场，想注册商标", c.FIND_STATION)
    dispatcher, events = await run(tracker, domain)
    [message] = shown(dispatcher)
    [station] = message["stations"]
    assert station["id"] == "tm-wujiaochang" and station["type"] == "trademark_station"
    assert station["demo"] is True and "演示数据" in message["text"]
    assert set(station) == {"id", "type", "type_label", "name", "address", "phone", "hours", "demo"}
    assert slot(events, c.SLOT_ROUTE_STATUS) == c.ROUTE_DONE
    assert slot(events, c.SLOT_STATION_ID) == "tm-wujiaochang"
    assert slot(events, c.SLOT_LOCATION) == "五角场街道"


@pytest.mark.anyio
async def test_missing_place_shows_all_and_asks_for_it(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("我想注册商标", c.FIND_STATION)
    dispatcher, events = await run(tracker, domain)
    [message] = shown(dispatcher)
    assert len(message["stations"]) == 3
    assert "街道或园区" in message["text"]  # the reply asks for the place, with buttons
    assert [b["payload"] for b in message["buttons"]][:2] == ["五角场街道", "长阳创谷"]
    assert slot(events, c.SLOT_ROUTE_STATUS) == c.ROUTE_NEED_LOCATION


@pytest.mark.anyio
async def test_empty_contact_fields_are_never_shown_as_known(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    dispatcher, _ = await run(make_tracker("有知识产权问题想咨询", c.FIND_STATION), domain)
    text = shown(dispatcher)[0]["text"]
    centre = next(s for s in shown(dispatcher)[0]["stations"] if s["id"] == "centre")
    assert centre["phone"] == "" and centre["address"] == ""
    assert "暂无公开联系方式" in text and "12345" in text
    assert "电话：12345" in text  # the hotline's number is known and shown


@pytest.mark.anyio
async def test_unclear_need_asks_for_it_with_buttons(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    dispatcher, events = await run(make_tracker("去哪里办", c.FIND_STATION), domain)
    [message] = shown(dispatcher)
    assert any("维权" in b["payload"] for b in message["buttons"])
    assert slot(events, c.SLOT_ROUTE_STATUS) == c.ROUTE_NEED_NEED


@pytest.mark.anyio
async def test_unknown_place_goes_to_the_centre(use_directory: KnowledgeBase, domain: dict[str, Any]) -> None:
    slots = {
        c.SLOT_NEED: "注册",
        c.SLOT_IP_TYPE: "商标",
        c.SLOT_TOPIC: c.TOPIC_ROUTE,
        c.SLOT_ROUTE_STATUS: c.ROUTE_NEED_LOCATION,
    }
    dispatcher, events = await run(make_tracker("浦东张江", c.INFORM, slots=slots), domain)
    [message] = shown(dispatcher)
    assert {s["type"] for s in message["stations"]} == {"service_center"}
    assert "浦东张江" in message["text"]
    assert slot(events, c.SLOT_ROUTE_STATUS) == c.ROUTE_DONE


@pytest.mark.anyio
async def test_where_after_an_answer_is_a_follow_up_question(
    use_directory: KnowledgeBase, use_searcher: Callable[..., FakeSearcher], domain: dict[str, Any]
) -> None:
    fake = use_searcher([hit("地址：国权北路1688弄", kind="station")])
    slots = {c.SLOT_TOPIC: c.TOPIC_QUESTION, c.SLOT_LAST_QUESTION: "国家技术转移东部中心的电话是多少？"}
    dispatcher, events = await run(make_tracker("在哪里？", c.FIND_STATION, slots=slots), domain)
    assert fake.queries[-1] == "国家技术转移东部中心的电话是多少? 在哪里？"
    assert "国权北路" in shown(dispatcher)[0]["text"]
    assert slot(events, c.SLOT_TOPIC) == c.TOPIC_QUESTION


@pytest.mark.anyio
@pytest.mark.parametrize("intent", [c.FIND_STATION, c.ASK_QUESTION])
async def test_which_department_after_an_answer_routes_on_its_subject(
    intent: str,
    use_directory: KnowledgeBase,
    use_searcher: Callable[..., FakeSearcher],
    domain: dict[str, Any],
) -> None:
    fake = use_searcher([hit("贴息50%", kind="rule")])
    slots = {
        c.SLOT_TOPIC: c.TOPIC_QUESTION,
        c.SLOT_LAST_QUESTION: "知识产权质押融资贴息怎么申请",
        c.SLOT_NEED: "融资",
    }
    tracker = make_tracker("那具体找哪个部门问？", intent, slots=slots)
    if intent == c.FIND_STATION:
        dispatcher, _ = await run(tracker, domain)
    else:
        dispatcher = CollectingDispatcher()
        await ActionRespond().run(dispatcher, tracker, domain)
    [message] = shown(dispatcher)
    types = {station["type"] for station in message["stations"]}
    assert types and types <= {"service_center", "tech_transfer"}
    assert message["text"].startswith("可以联系以下机构")  # routed on the remembered need, not answered again
    assert "站点信息来源：" in message["text"]
    assert fake.queries


@pytest.mark.anyio
async def test_broken_knowledge_base_gets_an_apology(
    monkeypatch: pytest.MonkeyPatch, domain: dict[str, Any]
) -> None:
    def broken() -> KnowledgeBase:
        raise KnowledgeFormatError("stations.yml", "x", "phone", "bad")

    monkeypatch.setattr(resources, "get_knowledge", broken)
    dispatcher, _ = await run(make_tracker("想注册商标", c.FIND_STATION), domain)
    assert shown(dispatcher)[0]["fallback"] is True and not shown(dispatcher)[0]["sources"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("text", "intent", "location"),
    [
        ("我们在创智天地那边", c.INFORM, "大创智"),
        ("浦东张江", c.INFORM, "浦东张江"),
        ("五角场街道", c.GOODBYE, "五角场街道"),  # a place is a place whatever NLU says
    ],
)
async def test_a_place_given_when_asked_routes_with_it(
    use_directory: KnowledgeBase, domain: dict[str, Any], text: str, intent: str, location: str
) -> None:
    slots = {c.SLOT_TOPIC: c.TOPIC_ROUTE, c.SLOT_ROUTE_STATUS: c.ROUTE_NEED_LOCATION, c.SLOT_IP_TYPE: "商标"}
    dispatcher, events = await run(make_tracker(text, intent, slots=slots), domain)
    assert shown(dispatcher)[0]["stations"]
    assert slot(events, c.SLOT_LOCATION) == location


@pytest.mark.anyio
async def test_no_place_when_asked_is_accepted(use_directory: KnowledgeBase, domain: dict[str, Any]) -> None:
    slots = {c.SLOT_TOPIC: c.TOPIC_ROUTE, c.SLOT_ROUTE_STATUS: c.ROUTE_NEED_LOCATION, c.SLOT_IP_TYPE: "商标"}
    dispatcher, _ = await run(make_tracker("/deny", c.DENY, slots=slots), domain)
    assert shown(dispatcher)[0]["response"] == "utter_location_skipped"


@pytest.mark.anyio
async def test_a_question_taken_for_a_routing_request_is_answered_too(
    use_directory: KnowledgeBase, use_searcher: Callable[..., FakeSearcher], domain: dict[str, Any]
) -> None:
    use_searcher([hit("推进海外知识产权侵权保险业务的开展，降低企业海外维权成本。")])
    tracker = make_tracker("企业去海外打官司，有没有保险能分担费用？", c.FIND_STATION)
    dispatcher, events = await run(tracker, domain)
    answer, stations = shown(dispatcher)
    assert "侵权保险" in answer["text"] and answer["sources"]
    assert {s["type"] for s in stations["stations"]} == {"overseas"}
    assert slot(events, c.SLOT_TOPIC) == c.TOPIC_ROUTE


@pytest.mark.anyio
async def test_being_sued_at_home_is_a_dispute_not_a_lawsuit_to_file(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    entities = [{"entity": "need", "value": "诉讼"}]  # the model may tag 起诉 alone
    dispatcher, _ = await run(make_tracker("我们被起诉侵权了，谁能帮忙", c.FIND_STATION, entities), domain)
    types = {s["type"] for s in shown(dispatcher)[0]["stations"]}
    assert types == {"protection_center", "regulator", "mediation"}


@pytest.mark.anyio
async def test_a_typo_of_a_known_term_is_corrected_before_planning(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    dispatcher, _ = await run(make_tracker("版全登记去哪，我们在四平路", c.FIND_STATION), domain)
    assert "版权工作站" in shown(dispatcher)[0]["text"]


@pytest.mark.anyio
async def test_a_place_tagged_inside_a_body_name_does_not_route(
    monkeypatch: pytest.MonkeyPatch, use_searcher: Callable[..., FakeSearcher], domain: dict[str, Any]
) -> None:
    shipped = load_knowledge(Path(__file__).resolve().parents[2] / "knowledge")  # holds 同济 and the 学院
    monkeypatch.setattr(resources, "get_knowledge", lambda: shipped)
    use_searcher([hit("同济大学上海国际知识产权学院成立于2016年。", kind="faq")])
    text = "同济大学上海国际知识产权学院是何时成立的？"
    entity = {"entity": c.ENTITY_LOCATION, "value": "同济", "start": 0, "end": 2}
    dispatcher, _ = await run(make_tracker(text, c.ASK_QUESTION, entities=[entity]), domain)
    assert "2016" in shown(dispatcher)[0]["text"]
