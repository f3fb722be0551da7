"""action_route_station and the location form: stations, labels, missing places and needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.action_answer import ActionAnswerQuestion
from actions.action_route import ActionRouteStation, ValidateLocationForm
from retrieval.errors import KnowledgeFormatError
from retrieval.knowledge import KnowledgeBase
from tests.actions.conftest import FakeSearcher, hit, make_tracker
from tests.actions.test_action_answer import slot


async def run(tracker: Any, domain: dict[str, Any]) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionRouteStation().run(dispatcher, tracker, domain)
    return dispatcher, events


@pytest.mark.anyio
async def test_one_shot_request_is_routed_without_questions(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("我们在五角场，想注册商标", c.FIND_STATION)
    dispatcher, events = await run(tracker, domain)
    [message] = dispatcher.messages
    [station] = message["custom"]["stations"]
    assert station["id"] == "tm-wujiaochang" and station["type"] == "trademark_station"
    assert station["demo"] is True and "演示数据" in message["text"]
    assert set(station) == {"id", "type", "type_label", "name", "address", "phone", "hours", "demo"}
    assert slot(events, c.SLOT_ROUTE_STATUS) == c.ROUTE_DONE
    assert slot(events, c.SLOT_STATION_ID) == "tm-wujiaochang"
    assert slot(events, c.SLOT_LOCATION) == "五角场街道"


@pytest.mark.anyio
async def test_missing_place_shows_all_and_leaves_asking_to_the_form(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    tracker = make_tracker("我想注册商标", c.FIND_STATION)
    dispatcher, events = await run(tracker, domain)
    [message] = dispatcher.messages
    assert len(message["custom"]["stations"]) == 3
    assert "街道或园区" not in message["text"]  # utter_ask_location asks next
    assert slot(events, c.SLOT_ROUTE_STATUS) == c.ROUTE_NEED_LOCATION


@pytest.mark.anyio
async def test_empty_contact_fields_are_never_shown_as_known(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    dispatcher, _ = await run(make_tracker("有知识产权问题想咨询", c.FIND_STATION), domain)
    text = dispatcher.messages[0]["text"]
    centre = next(s for s in dispatcher.messages[0]["custom"]["stations"] if s["id"] == "centre")
    assert centre["phone"] == "" and centre["address"] == ""
    assert "暂无公开联系方式" in text and "12345" in text
    assert "电话：12345" in text  # the hotline's number is known and shown


@pytest.mark.anyio
async def test_unclear_need_asks_for_it_with_buttons(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    dispatcher, events = await run(make_tracker("去哪里办", c.FIND_STATION), domain)
    [message] = dispatcher.messages
    assert any("维权" in b["payload"] for b in message["buttons"])
    assert slot(events, c.SLOT_ROUTE_STATUS) == c.ROUTE_NEED_NEED


@pytest.mark.anyio
async def test_unknown_place_goes_to_the_centre(use_directory: KnowledgeBase, domain: dict[str, Any]) -> None:
    slots = {
        c.SLOT_NEED: "注册",
        c.SLOT_IP_TYPE: "商标",
        c.SLOT_LOCATION: "浦东张江",
        c.SLOT_TOPIC: c.TOPIC_ROUTE,
    }
    dispatcher, events = await run(make_tracker("浦东张江", c.INFORM, slots=slots), domain)
    [message] = dispatcher.messages
    assert {s["type"] for s in message["custom"]["stations"]} == {"service_center"}
    assert "浦东张江" in message["text"]
    assert slot(events, c.SLOT_ROUTE_STATUS) == c.ROUTE_DONE


@pytest.mark.anyio
async def test_where_after_an_answer_is_a_follow_up_question(
    use_directory: KnowledgeBase, use_searcher: Callable[..., FakeSearcher], domain: dict[str, Any]
) -> None:
    fake = use_searcher([hit("地址：国权北路1688弄", kind="station")])
    slots = {c.SLOT_TOPIC: c.TOPIC_QUESTION, c.SLOT_LAST_QUESTION: "国家技术转移东部中心的电话是多少？"}
    dispatcher, events = await run(make_tracker("在哪里？", c.FIND_STATION, slots=slots), domain)
    assert fake.queries == ["国家技术转移东部中心的电话是多少? 在哪里？"]
    assert "国权北路" in dispatcher.messages[0]["text"]
    assert slot(events, c.SLOT_ROUTE_STATUS) == c.ROUTE_DONE


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
        await ActionAnswerQuestion().run(dispatcher, tracker, domain)
    [message] = dispatcher.messages
    types = {station["type"] for station in message["custom"]["stations"]}
    assert types and types <= {"service_center", "tech_transfer"}
    assert fake.queries == []  # routed on the remembered need, not searched again


@pytest.mark.anyio
async def test_broken_knowledge_base_gets_an_apology(
    monkeypatch: pytest.MonkeyPatch, domain: dict[str, Any]
) -> None:
    def broken() -> KnowledgeBase:
        raise KnowledgeFormatError("stations.yml", "x", "phone", "bad")

    monkeypatch.setattr(resources, "get_knowledge", broken)
    dispatcher, _ = await run(make_tracker("想注册商标", c.FIND_STATION), domain)
    assert dispatcher.messages[0]["custom"] == {"fallback": True}


async def extract(tracker: Any, domain: dict[str, Any]) -> dict[str, Any]:
    return await ValidateLocationForm().extract_location(CollectingDispatcher(), tracker, domain)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("我们在创智天地那边", c.INFORM, {"location": "大创智"}),
        ("浦东张江", c.INFORM, {"location": "浦东张江"}),
        ("不清楚", c.INFORM, {"location": "不清楚"}),
        ("补贴怎么申请？", c.ASK_QUESTION, {}),
        ("那版权呢", c.INFORM, {}),
        ("谢谢", c.THANK, {}),
        ('/inform{"location": "大创智"}', c.INFORM, {}),
    ],
)
async def test_location_form_extracts_free_text_places(
    use_directory: KnowledgeBase, domain: dict[str, Any], text: str, intent: str, expected: dict[str, Any]
) -> None:
    tracker = make_tracker(
        text, intent, slots={c.SLOT_REQUESTED: c.SLOT_LOCATION}, active_loop=c.LOCATION_FORM
    )
    assert await extract(tracker, domain) == expected


@pytest.mark.anyio
async def test_location_form_normalises_entity_values(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    form = ValidateLocationForm()
    tracker = make_tracker("长阳创谷附近")
    assert form.validate_location("长阳创谷附近", CollectingDispatcher(), tracker, domain) == {
        "location": "长阳创谷"
    }
    assert form.validate_location("在闵行", CollectingDispatcher(), tracker, domain) == {"location": "闵行"}


@pytest.mark.anyio
async def test_a_question_taken_for_a_routing_request_is_answered_too(
    use_directory: KnowledgeBase, use_searcher: Callable[..., FakeSearcher], domain: dict[str, Any]
) -> None:
    use_searcher([hit("推进海外知识产权侵权保险业务的开展，降低企业海外维权成本。")])
    tracker = make_tracker("企业去海外打官司，有没有保险能分担费用？", c.FIND_STATION)
    dispatcher, events = await run(tracker, domain)
    answer, stations = dispatcher.messages
    assert "侵权保险" in answer["text"] and answer["custom"]["sources"]
    assert {s["type"] for s in stations["custom"]["stations"]} == {"overseas"}
    assert slot(events, c.SLOT_TOPIC) == c.TOPIC_ROUTE


@pytest.mark.anyio
async def test_being_sued_at_home_is_a_dispute_not_a_lawsuit_to_file(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    entities = [{"entity": "need", "value": "诉讼"}]  # the model may tag 起诉 alone
    dispatcher, _ = await run(make_tracker("我们被起诉侵权了，谁能帮忙", c.FIND_STATION, entities), domain)
    types = {s["type"] for s in dispatcher.messages[0]["custom"]["stations"]}
    assert types == {"protection_center", "regulator", "mediation"}
