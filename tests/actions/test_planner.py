"""The turn planner: one plan per message from plain values (no tracker, no model)."""

from __future__ import annotations

from typing import Any

import pytest

from actions import constants as c
from actions.planner import Evidence, Plan, plan_turn
from actions.turn import Turn
from actions.vocabulary import get_vocabulary

VOCAB = get_vocabulary()
CERTAIN = Evidence("q", "certain", "document")
CLOSEST = Evidence("q", "closest", "document")
NONE = Evidence("q", "none", None)


def turn(text: str, intent: str = c.ASK_QUESTION, **state: Any) -> Turn:
    """A turn whose needs and IP types are read from the text as the action reads them."""
    values: dict[str, Any] = dict(
        text=text,
        intent=intent,
        needs=tuple(VOCAB.find_needs(text)),
        ip_types=tuple(VOCAB.find_ip_types(text)),
        location_text=None,
        slot_need=None,
        slot_ip_type=None,
        slot_location=None,
        topic=None,
        last_question="",
    )
    values.update(state)
    return Turn(**values)


def plan(
    text: str, intent: str = c.ASK_QUESTION, evidence: tuple[Evidence, ...] = (NONE,), **state: Any
) -> Plan:
    return plan_turn(turn(text, intent, **state), VOCAB, evidence)


@pytest.mark.parametrize(
    ("text", "intent", "response"),
    [
        ("你好", c.GREET, "utter_greet"),
        ("谢谢！", c.THANK, "utter_you_are_welcome"),
        ("好的，再见", c.GOODBYE, "utter_goodbye"),
        ("你是机器人吗？", c.BOT_CHALLENGE, "utter_capabilities"),
        ("", c.AFFIRM, "utter_anything_else"),  # a button sent the intent
    ],
)
def test_a_message_that_is_only_an_act_gets_the_act(text: str, intent: str, response: str) -> None:
    assert plan(text, intent) == Plan("act", f"pure {intent}", act=response)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("12345", c.GOODBYE),  # digits are one token to NLU: "88" made every number goodbye
        ("2024", c.GOODBYE),
        ("这个电话是干什么用的", c.FEEDBACK),
        ("What is the target for patents?", c.THANK),
        ("asdfghjkl", c.GREET),
        ("谢谢，那质押贷款贴息多少？", c.THANK),
        ("88", c.GOODBYE),
    ],
)
def test_a_message_with_content_is_never_taken_for_an_act(text: str, intent: str) -> None:
    assert plan(text, intent).kind != "act"


def test_an_act_with_a_strong_answer_is_answered() -> None:
    assert plan("好的", c.AFFIRM, (CERTAIN,)).kind == "answer"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("asdfghjkl", c.GREET),
        ("12345", c.GOODBYE),
        ("今天天气怎么样", c.OUT_OF_SCOPE),
        ("讲个笑话", c.CHITCHAT),
    ],
)
def test_what_nothing_can_place_falls_back_never_greets_or_says_goodbye(text: str, intent: str) -> None:
    result = plan(text, intent)
    assert result.kind == "fallback" and result.act in ("utter_out_of_scope", "utter_chitchat")


def test_an_ip_question_without_words_to_route_on_says_there_is_no_answer() -> None:
    result = plan("知识产权这方面的表格从哪下载？", evidence=(NONE,))
    assert result.kind == "fallback" and result.act is None  # the honest no-answer reply


def test_an_unanswerable_question_with_a_need_is_routed_honestly() -> None:
    result = plan("商标续展要交多少钱？", evidence=(NONE,))
    assert result.kind == "no_answer_route" and result.ip_type == "商标"


@pytest.mark.parametrize("tier", [CERTAIN, CLOSEST])
def test_an_answerable_question_is_answered(tier: Evidence) -> None:
    assert plan("每万人高价值发明专利拥有量目标是多少", evidence=(tier,)).kind == "answer"


def test_a_question_whether_a_channel_exists_gets_the_fact_and_the_stations() -> None:
    result = plan("企业去海外维权有没有保险渠道？", c.FIND_STATION, (CERTAIN,))
    assert result.kind == "answer_route" and "海外" in result.needs


def test_where_to_go_for_a_need_is_routed_with_the_answer_when_one_is_sure() -> None:
    station_entry = Evidence("q", "certain", "station")
    result = plan("软件著作权登记在哪办", c.FIND_STATION, (station_entry,))
    assert result.kind == "route" and result.ip_type == "版权"  # the cards say it; no record as text
    assert plan("软件著作权登记在哪办", c.FIND_STATION, (CLOSEST,)).kind == "route"
    assert plan("软件著作权登记在哪办", c.FIND_STATION, (CERTAIN,)).kind == "answer_route"


def test_where_and_how_gets_both() -> None:
    assert plan("软著怎么登记，去哪里咨询？", c.FIND_STATION, (CERTAIN,)).kind == "answer_route"


def test_a_stated_need_covered_by_a_rule_is_answered_and_routed() -> None:
    result = plan("我想申请专利资助", c.FIND_STATION, (Evidence("q", "certain", "rule"),))
    assert result.kind == "answer_route" and "资助" in result.needs


def test_a_place_after_an_answer_routes_on_the_remembered_need() -> None:
    state = dict(topic=c.TOPIC_QUESTION, last_question="知识产权质押贷款有贴息吗", slot_need="融资")
    result = plan(
        "我们公司在新江湾城街道 材料交哪", c.INFORM, (CLOSEST,), location_text="新江湾城街道", **state
    )
    assert result.kind == "route" and result.needs == ("融资",) and result.location == "新江湾城街道"


def test_a_place_given_when_asked_routes_with_the_need_given_before() -> None:
    state = dict(topic=c.TOPIC_ROUTE, route_status=c.ROUTE_NEED_LOCATION, slot_ip_type="商标")
    result = plan("长阳创谷", c.GOODBYE, location_text="长阳创谷", **state)
    assert result == Plan("route", "place given as asked", ip_type="商标", location="长阳创谷")


def test_which_department_after_an_answer_routes_on_its_subject() -> None:
    state = dict(topic=c.TOPIC_QUESTION, last_question="质押贷款贴息怎么申请", slot_need="融资")
    assert plan("那具体找哪个部门问？", c.ASK_QUESTION, (CERTAIN, CERTAIN), **state).kind == "route"


def test_an_elliptical_follow_up_is_answered_from_the_completed_question() -> None:
    state = dict(topic=c.TOPIC_QUESTION, last_question="专利资助有哪些")
    alone, completed = (
        Evidence("具体多少钱", "none"),
        Evidence("专利资助有哪些 具体多少钱", "certain", "rule"),
    )
    result = plan("具体多少钱", c.INFORM, (alone, completed), **state)
    assert result.kind == "answer" and result.evidence == completed


def test_a_question_of_its_own_is_not_completed_by_the_last_one() -> None:
    alone, completed = Evidence("a", "certain"), Evidence("b", "certain")
    state = dict(topic=c.TOPIC_QUESTION, last_question="质押贷款有贴息吗")
    result = plan("商标注册在杨浦有资助吗？", c.ASK_QUESTION, (alone, completed), **state)
    assert result.evidence == alone


def test_where_without_any_need_asks_for_it() -> None:
    assert plan("去哪里办？", c.FIND_STATION, (CLOSEST,)).kind == "route"


def test_a_follow_up_naming_a_new_subject_after_a_route_routes_again() -> None:
    state = dict(topic=c.TOPIC_ROUTE, last_question="软著登记去哪", slot_ip_type="版权")
    result = plan("那商标呢", c.INFORM, (CERTAIN, CERTAIN), **state)
    assert result.kind == "route" and result.ip_type == "商标"


def test_a_place_alone_is_kept_and_the_need_asked() -> None:
    result = plan("我们在湾谷科技园", c.INFORM, (CERTAIN,), location_text="湾谷科技园")
    assert result.kind == "route" and result.location == "湾谷科技园" and result.needs == ()


def test_keywords_with_a_need_get_the_fact_and_the_bodies() -> None:
    assert plan("专利快速预审", c.ASK_QUESTION, (CERTAIN,)).kind == "answer_route"


@pytest.mark.parametrize("text", ["上海哪里能看樱花", "附近哪里有好吃的"])
def test_a_where_question_about_something_else_is_declined(text: str) -> None:
    assert plan(text, c.OUT_OF_SCOPE).kind == "fallback"


def test_a_message_with_its_own_subject_is_answered_alone() -> None:
    alone, completed = (
        Evidence("那商标可以质押吗", "certain", "faq"),
        Evidence("x 那商标可以质押吗", "certain"),
    )
    state = dict(topic=c.TOPIC_QUESTION, last_question="知识产权质押贷款有贴息吗")
    assert plan("那商标可以质押吗", c.ASK_QUESTION, (alone, completed), **state).evidence == alone


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("结婚登记去哪办", c.FIND_STATION),
        ("劳动合同纠纷去哪仲裁", c.FIND_STATION),
        ("公司贷款找哪个部门", c.FIND_STATION),
    ],
)
def test_everyday_needs_outside_an_ip_conversation_are_not_routed(text: str, intent: str) -> None:
    assert plan(text, intent).kind == "fallback"


def test_who_to_turn_to_after_an_explanation_is_routed_not_answered_again() -> None:
    state = dict(topic=c.TOPIC_QUESTION, last_question="一中心一枢纽多站点什么意思")
    alone, completed = Evidence("那我该先找谁", "none"), Evidence("x 那我该先找谁", "certain", "document")
    assert plan("那我该先找谁", c.FIND_STATION, (alone, completed), **state).kind == "route"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("转人工", c.REQUEST_HUMAN),
        ("", c.REQUEST_HUMAN),
        ("能不能让工作人员联系我", c.ASK_QUESTION),
        ("人工客服", c.CHITCHAT),
    ],
)
def test_a_wish_for_a_person_hands_over_whatever_nlu_says(text: str, intent: str) -> None:
    assert plan(text, intent).kind == "handover"


def test_a_question_about_contacting_a_body_is_not_a_handover() -> None:
    state = dict(topic=c.TOPIC_QUESTION, last_question="杨浦区专利超市是什么")
    assert plan("怎么联系他们", c.REQUEST_HUMAN, (NONE, CERTAIN), **state).kind != "handover"


def test_artificial_intelligence_is_not_a_person() -> None:
    assert plan("人工智能产业有什么政策", c.ASK_QUESTION, (CLOSEST,)).kind != "handover"


def test_not_knowing_which_department_is_routed_even_when_a_passage_matches() -> None:
    text = "知识产权方面问题很多，不知道该找哪个部门"
    assert plan(text, c.FIND_STATION, (Evidence(text, "certain", "document"),)).kind == "route"


@pytest.mark.parametrize(
    "text", ["知识产权体检", "帮我们公司做个诊断", "看看我们企业能享受哪些知识产权政策", ""]
)
def test_the_checkup_starts_on_its_words_or_an_ip_message(text: str) -> None:
    assert plan(text, c.START_CHECKUP).kind == "checkup"


@pytest.mark.parametrize("text", ["核酸 检测点", "体检中心在哪", "你好"])
def test_start_checkup_alone_or_checkup_words_elsewhere_start_nothing(text: str) -> None:
    intent = c.START_CHECKUP if text == "核酸 检测点" else c.ASK_QUESTION
    assert plan(text, intent).kind != "checkup"


def test_which_year_asks_when_not_where() -> None:
    assert not VOCAB.has_place_cue("听说国家要把各类专利资助全部停掉，最晚到哪一年？")
    assert VOCAB.has_place_cue("专利资助材料交到哪里")


def test_asking_what_the_bot_can_help_with_is_the_capabilities_act() -> None:
    assert plan("你能帮我做些什么", c.BOT_CHALLENGE).act == "utter_capabilities"


def test_an_english_question_about_an_ip_body_is_ip_text() -> None:
    closest = Evidence("What services does the Shanghai Technology Exchange provide?", "closest", "station")
    question = "What services does the Shanghai Technology Exchange provide?"
    assert plan(question, c.ASK_QUESTION, (closest,)).kind == "answer"
    assert plan(question, c.OUT_OF_SCOPE, (closest,)).kind == "answer"


def test_a_place_with_words_about_it_is_answered_when_the_knowledge_is_sure() -> None:
    text = "环同济知识经济圈 面积"
    place = dict(location_text="环同济知识经济圈", place_rest="面积")
    faq = Evidence(text, "certain", "faq")
    assert plan(text, c.INFORM, (faq,), **place) == Plan(
        "answer", "asks about a place", evidence=faq, location="环同济知识经济圈"
    )
    # a station's record is where to go, not an answer about the place
    assert plan(text, c.INFORM, (Evidence(text, "certain", "station"),), **place).kind == "route"
    assert plan(text, c.INFORM, (Evidence(text, "closest", "faq"),), **place).kind == "route"


def test_a_place_with_only_words_saying_the_enterprise_is_there_is_a_place_given() -> None:
    text = "我们公司就在长阳创谷"
    place = dict(location_text="长阳创谷", place_rest="我们公司就在")
    result = plan(text, c.INFORM, (Evidence(text, "certain", "faq"),), **place)
    assert result.kind == "route" and result.reason == "place given"


def test_a_place_with_words_after_a_need_routes_on_the_need() -> None:
    text = "长阳创谷 那边"
    state = dict(location_text="长阳创谷", place_rest="那边", slot_need="融资", topic=c.TOPIC_QUESTION)
    assert plan(text, c.INFORM, (Evidence(text, "certain", "faq"),), **state).kind == "route"
