"""The routing rules as a pure function, on the kinds of requests in the dev set (d21–d27)."""

from __future__ import annotations

import pytest

from actions.routing import RouteDecision, RouteQuery, plan_types, primary_need, route
from retrieval.knowledge import KnowledgeBase
from retrieval.schema import StationType
from tests.actions.conftest import KINDS

T = StationType


def ids(decision: RouteDecision) -> list[str]:
    return [s.id for s in decision.stations]


@pytest.mark.parametrize(
    ("needs", "ip_type", "expected", "unclear"),
    [
        (("注册",), "商标", (T.trademark_station,), False),
        (("咨询",), "商标", (T.trademark_station,), False),
        (("注册",), "版权", (T.copyright_station,), False),
        ((), "版权", (T.copyright_station,), False),
        (("海外", "维权"), "专利", (T.overseas,), False),
        (("海外",), None, (T.overseas,), False),
        (("维权",), "专利", (T.protection_center, T.regulator, T.mediation), False),
        (("诉讼",), None, (T.court,), False),
        (("转化",), "专利", (T.tech_transfer,), False),
        (("融资",), "专利", (T.service_center, T.tech_transfer), False),
        (("资助",), "专利", (T.service_center,), False),
        (("预审",), "专利", (T.protection_center,), False),
        (("咨询",), None, (T.service_center,), False),
        (("注册",), "专利", (T.service_center,), False),
        (("海外", "资助"), "专利", (T.service_center,), False),  # foreign patent subsidy, no dispute
        ((), None, (T.service_center,), True),
    ],
)
def test_plan_types(
    needs: tuple[str, ...], ip_type: str | None, expected: tuple[StationType, ...], unclear: bool
) -> None:
    assert plan_types(needs, ip_type, KINDS) == (expected, unclear)


def test_primary_need_prefers_disputes_and_overseas() -> None:
    assert primary_need(["注册", "海外", "维权"]) == "海外"
    assert primary_need(["注册", "资助"]) == "资助"
    assert primary_need([]) is None


def test_trademark_near_a_park_gets_that_parks_station(directory: KnowledgeBase) -> None:
    # d21: 我们想注册商标，长阳创谷附近有服务站吗？
    decision = route(RouteQuery(("注册",), "商标", "长阳创谷附近"), directory)
    assert ids(decision) == ["tm-changyang"]
    assert decision.location_status == "resolved" and not decision.needs_location


def test_one_shot_street_and_trademark(directory: KnowledgeBase) -> None:
    # 我们在五角场，想注册商标
    decision = route(RouteQuery(("注册",), "商标", "五角场"), directory)
    assert ids(decision) == ["tm-wujiaochang"]
    assert decision.location is not None and decision.location.name == "五角场街道"


def test_copyright_without_place_shows_all_and_asks(directory: KnowledgeBase) -> None:
    # d22: 公司的软件著作权怎么登记，去哪里咨询？
    decision = route(RouteQuery(("注册", "咨询"), "版权", None), directory)
    assert decision.needs_location
    assert ids(decision) == ["cr-changyang", "cr-wujiaochang"]


def test_overseas_dispute_ignores_the_place(directory: KnowledgeBase) -> None:
    # d23: 我们在美国被起诉专利侵权了 — 美国 is no Yangpu place and does not matter here
    decision = route(RouteQuery(("海外", "维权"), "专利", "美国"), directory)
    assert decision.station_types == (T.overseas,)
    assert ids(decision) == ["overseas"] and decision.location_status == "ignored"


def test_domestic_dispute_shows_protection_regulator_and_mediation(directory: KnowledgeBase) -> None:
    # d24: 我们的专利被别人仿冒了，想维权
    words = ("维权", "侵权", "纠纷")
    decision = route(RouteQuery(("维权",), "专利", None, relevance_words=words), directory)
    assert {s.type for s in decision.stations} == {T.protection_center, T.regulator, T.mediation}
    assert "regulator-city" not in ids(decision)  # its services say nothing about disputes


def test_tech_transfer(directory: KnowledgeBase) -> None:
    # d25: 想找大学的专利做转化，去哪里对接？
    decision = route(RouteQuery(("转化",), "专利", None), directory)
    assert {s.type for s in decision.stations} == {T.tech_transfer}


def test_general_question_goes_to_the_service_centre(directory: KnowledgeBase) -> None:
    # d26: 不知道该找哪个部门
    decision = route(RouteQuery(("咨询",), None, None), directory)
    assert decision.station_types == (T.service_center,) and not decision.needs_need


def test_two_turns_ask_then_narrow(directory: KnowledgeBase) -> None:
    # d27: 我想咨询商标注册 / 我们公司在五角场
    first = route(RouteQuery(("咨询", "注册"), "商标", None), directory)
    assert first.needs_location and len(first.stations) == 3
    second = route(RouteQuery(("咨询", "注册"), "商标", "我们公司在五角场"), directory)
    assert ids(second) == ["tm-wujiaochang"]


def test_unknown_place_goes_to_the_service_centre(directory: KnowledgeBase) -> None:
    decision = route(RouteQuery(("注册",), "商标", "浦东张江"), directory)
    assert decision.location_status == "unknown"
    assert {s.type for s in decision.stations} == {T.service_center}


def test_known_place_without_a_station_shows_every_station(directory: KnowledgeBase) -> None:
    decision = route(RouteQuery(("注册",), "版权", "殷行"), directory)
    assert decision.location_status == "unserved" and len(decision.stations) == 2


def test_unclear_need_asks_and_shows_the_centre(directory: KnowledgeBase) -> None:
    decision = route(RouteQuery((), None, None), directory)
    assert decision.needs_need and {s.type for s in decision.stations} == {T.service_center}


def test_financing_picks_relevant_tech_transfer_bodies(directory: KnowledgeBase) -> None:
    query = RouteQuery(("融资",), "专利", None, relevance_words=("融资", "质押", "技知融"))
    decision = route(query, directory)
    assert ids(decision) == ["centre", "exchange"]


def test_missing_type_falls_back_to_the_centre(directory: KnowledgeBase) -> None:
    without_court = KnowledgeBase(
        root=directory.root,
        documents=[],
        rules=[],
        faq=[],
        locations=directory.locations,
        stations=[s for s in directory.stations if s.type != T.court],
        station_types=directory.station_types,
    )
    decision = route(RouteQuery(("诉讼",), None, None), without_court)
    assert decision.missing_type and {s.type for s in decision.stations} == {T.service_center}


def test_mediation_goes_to_the_mediation_committee(directory: KnowledgeBase) -> None:
    decision = route(RouteQuery(needs=("调解",)), directory)
    assert {s.type for s in decision.stations} == {T.mediation}
