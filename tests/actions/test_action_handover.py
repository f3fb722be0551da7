"""Handover: consent first; details validated whatever NLU says, read back, then a referral."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import action_handover, resources
from actions import constants as c
from actions.action_handover import ActionCreateReferral, ValidateHandoverForm
from actions.action_session import ActionSessionStart
from actions.handover_terms import HandoverTerms
from retrieval.knowledge import KnowledgeBase
from service.settings import Settings
from service.supervisor import settings_env
from tests.actions.conftest import make_tracker

CONTACT = {
    c.SLOT_CONTACT_NAME: "张先生",
    c.SLOT_CONTACT_COMPANY: "上海某某科技有限公司",
    c.SLOT_CONTACT_PHONE: "13812345678",
}
ALL_CLEARED = {c.SLOT_CONSENT, *c.CONTACT_SLOTS, c.SLOT_CONTACT_CONFIRMED, c.SLOT_NEXT_FORM}


def cleared(events: list[dict[str, Any]]) -> set[str]:
    return {e["name"] for e in events if e.get("event") == "slot" and e["value"] is None}


async def referral(
    slots: dict[str, Any], domain: dict[str, Any]
) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionCreateReferral().run(
        dispatcher, make_tracker("13812345678", c.INFORM, slots=slots), domain
    )
    return dispatcher, events


@pytest.mark.anyio
async def test_with_consent_a_referral_is_sent_and_confirmed_with_its_number(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    slots = {
        **CONTACT,
        c.SLOT_CONSENT: True,
        c.SLOT_CONTACT_CONFIRMED: True,
        c.SLOT_STATION_ID: "tm-wujiaochang",
        c.SLOT_STATION_TYPE: "trademark_station",
        c.SLOT_LAST_QUESTION: "我们在五角场，想注册商标",
    }
    dispatcher, events = await referral(slots, domain)
    [message] = dispatcher.messages
    sent = dict(message["custom"]["referral"])
    reference = sent.pop("reference")
    assert sent == {
        "name": "张先生",
        "company": "上海某某科技有限公司",
        "phone": "13812345678",
        "station_id": "tm-wujiaochang",
        "station_type": "trademark_station",
        "question": "我们在五角场，想注册商标",
    }
    assert re.fullmatch(r"YP-\d{8}-[2-9A-HJKMNP-Z]{6}", reference)
    assert f"编号 {reference}" in message["text"] and f"查询 {reference}" in message["text"]
    assert "站点tm-wujiaochang" in message["text"] and "138****5678" in message["text"]
    assert "13812345678" not in message["text"]
    assert cleared(events) == ALL_CLEARED


CONFIRMED_SLOTS = {**CONTACT, c.SLOT_CONSENT: True, c.SLOT_CONTACT_CONFIRMED: True}


@pytest.mark.anyio
async def test_the_confirmation_promises_no_call_back_period_the_district_did_not_set(
    use_directory: KnowledgeBase, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(action_handover, "handover_terms", lambda: HandoverTerms(retention_days=90))
    dispatcher, _ = await referral(CONFIRMED_SLOTS, domain)
    text = dispatcher.messages[0]["text"]
    assert "工作日" not in text and "与您联系。" in text
    assert "保存90天后删除" in text and "称呼、单位、电话和咨询的问题" in text  # what, why, how long
    assert "取消转人工 YP-" in text


@pytest.mark.anyio
async def test_a_configured_call_back_period_is_stated(
    use_directory: KnowledgeBase, domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    terms = HandoverTerms(retention_days=180, handover_callback_days=3)
    monkeypatch.setattr(action_handover, "handover_terms", lambda: terms)
    dispatcher, _ = await referral(CONFIRMED_SLOTS, domain)
    assert "与您联系，一般在3个工作日内。" in dispatcher.messages[0]["text"]
    assert "保存180天后删除" in dispatcher.messages[0]["text"]


@pytest.mark.anyio
@pytest.mark.parametrize("days", [180, 30])
async def test_the_consent_question_states_the_retention_period_applied(
    domain: dict[str, Any], monkeypatch: pytest.MonkeyPatch, days: int
) -> None:
    monkeypatch.setattr(action_handover, "handover_terms", lambda: HandoverTerms(retention_days=days))
    dispatcher = CollectingDispatcher()
    assert await action_handover.ActionAskConsent().run(dispatcher, make_tracker(), domain) == []
    [message] = dispatcher.messages
    assert f"保存不超过{days}天" in message["text"] and "同意吗" in message["text"]
    buttons = [(b["title"], b["payload"]) for b in message["buttons"]]
    assert buttons == [("同意", "/affirm"), ("不同意", "/deny")]


def test_the_form_asks_for_consent_through_the_action_not_a_fixed_response(domain: dict[str, Any]) -> None:
    assert c.ACTION_ASK_CONSENT in domain["actions"]
    assert f"utter_ask_{c.SLOT_CONSENT}" not in domain["responses"]


def test_the_gateway_states_the_same_terms_it_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IPGP_RETENTION_DAYS", "30")
    monkeypatch.setenv("IPGP_HANDOVER_CALLBACK_DAYS", "2")
    settings = Settings()
    assert (settings.retention_days, settings.handover_callback_days) == (30, 2)
    assert settings_env(settings)["IPGP_HANDOVER_CALLBACK_DAYS"] == "2"  # what the action server reads
    assert HandoverTerms().handover_callback_days == 2


@pytest.mark.anyio
async def test_without_a_station_the_centre_follows_up(
    use_directory: KnowledgeBase, domain: dict[str, Any]
) -> None:
    dispatcher, _ = await referral(CONFIRMED_SLOTS, domain)
    assert dispatcher.messages[0]["custom"]["referral"]["station_id"] == ""
    assert "公共服务中心" in dispatcher.messages[0]["text"]


@pytest.mark.anyio
@pytest.mark.parametrize(("consent", "confirmed"), [(False, True), (None, True), (True, None)])
async def test_without_consent_or_confirmation_nothing_is_sent(
    use_directory: KnowledgeBase, domain: dict[str, Any], consent: bool | None, confirmed: bool | None
) -> None:
    slots = {**CONTACT, c.SLOT_CONSENT: consent, c.SLOT_CONTACT_CONFIRMED: confirmed}
    dispatcher, events = await referral(slots, domain)
    [message] = dispatcher.messages
    assert "custom" not in message or not message["custom"]
    assert "已取消" in message["text"] and "已记录" not in message["text"]
    assert cleared(events) == ALL_CLEARED


@pytest.mark.anyio
async def test_no_consent_ends_the_form_before_any_detail(domain: dict[str, Any]) -> None:
    form = ValidateHandoverForm()
    required = domain["forms"][c.HANDOVER_FORM]["required_slots"]
    no = make_tracker("不同意", c.DENY, slots={c.SLOT_CONSENT: False})
    yes = make_tracker("同意", c.AFFIRM, slots={c.SLOT_CONSENT: True})
    assert await form.required_slots(required, CollectingDispatcher(), no, domain) == [c.SLOT_CONSENT]
    assert await form.required_slots(required, CollectingDispatcher(), yes, domain) == required


@pytest.mark.anyio
async def test_form_stops_requesting_after_a_no(domain: dict[str, Any]) -> None:
    tracker = make_tracker(
        "不同意",
        c.DENY,
        slots={c.SLOT_CONSENT: False, c.SLOT_REQUESTED: c.SLOT_CONSENT},
        events=[{"event": "slot", "name": c.SLOT_CONSENT, "value": False}],
        active_loop=c.HANDOVER_FORM,
    )
    events = await ValidateHandoverForm().run(CollectingDispatcher(), tracker, domain)
    assert {"event": "slot", "name": c.SLOT_REQUESTED, "value": None, "timestamp": None} in events


@pytest.mark.parametrize(
    ("method", "value", "expected"),
    [
        ("validate_contact_phone", "我的电话 138-1234-5678", "13812345678"),
        ("validate_contact_phone", "12345", None),
        ("validate_contact_phone", "6512345", None),
        ("validate_contact_phone", "139 1234 5678", "13912345678"),
        ("validate_contact_name", "我叫王芳", "王芳"),
        ("validate_contact_name", "这个要填什么？", None),
        ("validate_contact_company", "我们公司是上海某某科技有限公司", "上海某某科技有限公司"),
        ("validate_contact_company", "1", None),
    ],
)
def test_contact_details_are_validated_in_chinese(
    domain: dict[str, Any], method: str, value: str, expected: str | None
) -> None:
    dispatcher = CollectingDispatcher()
    result = getattr(ValidateHandoverForm(), method)(value, dispatcher, make_tracker(value), domain)
    assert list(result.values()) == [expected]
    if expected is None:
        [message] = dispatcher.messages
        assert message["text"] and message["text"].isascii() is False


@pytest.mark.anyio
async def test_new_session_keeps_only_the_place(domain: dict[str, Any]) -> None:
    slots = {c.SLOT_LOCATION: "五角场街道", **CONTACT, c.SLOT_TOPIC: c.TOPIC_ROUTE}
    events = await ActionSessionStart().run(CollectingDispatcher(), make_tracker(slots=slots), domain)
    assert [e["event"] for e in events] == ["session_started", "slot", "action"]
    assert events[1]["name"] == c.SLOT_LOCATION and events[1]["value"] == "五角场街道"


@pytest.mark.anyio
async def test_a_session_that_continues_a_long_one_keeps_every_slot(domain: dict[str, Any]) -> None:
    slots = {c.SLOT_LOCATION: "五角场街道", **CONTACT, c.SLOT_TOPIC: c.TOPIC_ROUTE,
             c.SLOT_SESSION_METADATA: {c.SESSION_CONTINUES: True, "request_id": "r1"}}
    events = await ActionSessionStart().run(CollectingDispatcher(), make_tracker(slots=slots), domain)
    carried = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert carried == {c.SLOT_LOCATION: "五角场街道", **CONTACT, c.SLOT_TOPIC: c.TOPIC_ROUTE}
    assert [events[0]["event"], events[-1]["event"]] == ["session_started", "action"]


@pytest.mark.anyio
async def test_a_session_start_with_other_metadata_keeps_only_the_place(domain: dict[str, Any]) -> None:
    slots = {c.SLOT_LOCATION: "五角场街道", **CONTACT, c.SLOT_SESSION_METADATA: {c.SESSION_CONTINUES: "yes"}}
    events = await ActionSessionStart().run(CollectingDispatcher(), make_tracker(slots=slots), domain)
    assert [e["name"] for e in events if e["event"] == "slot"] == [c.SLOT_LOCATION]


def validate(
    method: str, value: str, slots: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    result = getattr(ValidateHandoverForm(), method)(value, dispatcher, make_tracker(value, slots=slots), {})
    return result, [m["text"] for m in dispatcher.messages]


@pytest.mark.parametrize("word", ["取消", "算了", "不用了", "不同意", "算了吧，不转了"])
@pytest.mark.parametrize(
    "method",
    [
        "validate_contact_name",
        "validate_contact_company",
        "validate_contact_phone",
        "validate_contact_confirmed",
    ],
)
def test_an_explicit_stop_ends_the_form_at_any_step(method: str, word: str) -> None:
    result, _ = validate(method, word)
    assert result[c.SLOT_CONSENT] is False
    assert all(result[slot] is None for slot in c.CONTACT_SLOTS)


def test_a_surname_is_not_a_name() -> None:
    result, _ = validate("validate_contact_name", "姓陈")
    assert result == {c.SLOT_CONTACT_NAME: "陈先生/女士"}


def test_name_and_company_together_fill_both() -> None:
    result, _ = validate("validate_contact_name", "我是陈明，上海某某科技有限公司的")
    assert result == {c.SLOT_CONTACT_NAME: "陈明", c.SLOT_CONTACT_COMPANY: "上海某某科技有限公司"}


def test_a_name_correction_at_the_phone_step_is_not_the_phone() -> None:
    result, said = validate("validate_contact_phone", "不对，我叫王强")
    assert result == {c.SLOT_CONTACT_NAME: "王强", c.SLOT_CONTACT_PHONE: None}
    assert "王强" in said[0]


@pytest.mark.parametrize("word", ["再见", "谢谢", "这个要填什么？"])  # asked again, form kept
def test_act_words_are_not_names(word: str) -> None:
    result, said = validate("validate_contact_name", word)
    assert result == {c.SLOT_CONTACT_NAME: None} and said


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        ("确认", {c.SLOT_CONTACT_CONFIRMED: True}),
        ("对", {c.SLOT_CONTACT_CONFIRMED: True}),
        (
            "电话不对，应该是13900001111",
            {c.SLOT_CONTACT_PHONE: "13900001111", c.SLOT_CONTACT_CONFIRMED: None},
        ),
        ("名字改成王强", {c.SLOT_CONTACT_NAME: "王强", c.SLOT_CONTACT_CONFIRMED: None}),
        (
            "公司改成上海某某生物有限公司",
            {c.SLOT_CONTACT_COMPANY: "上海某某生物有限公司", c.SLOT_CONTACT_CONFIRMED: None},
        ),
    ],
)
def test_the_read_back_is_confirmed_or_corrected(text: str, changes: dict[str, Any]) -> None:
    result, _ = validate("validate_contact_confirmed", text)
    assert result == changes


def test_an_unclear_reply_to_the_read_back_asks_again() -> None:
    result, said = validate("validate_contact_confirmed", "嗯？什么意思")
    assert result == {c.SLOT_CONTACT_CONFIRMED: None} and "确认" in said[0]


@pytest.mark.anyio
@pytest.mark.parametrize("intent", [c.GOODBYE, c.FEEDBACK, c.ASK_QUESTION, c.THANK])
async def test_the_form_reads_the_requested_detail_whatever_the_intent(
    domain: dict[str, Any], intent: str
) -> None:
    tracker = make_tracker(
        "139 1234 5678",
        intent,
        slots={
            c.SLOT_CONSENT: True,
            **{k: v for k, v in CONTACT.items() if k != c.SLOT_CONTACT_PHONE},
            c.SLOT_REQUESTED: c.SLOT_CONTACT_PHONE,
        },
        active_loop=c.HANDOVER_FORM,
    )
    events = await ValidateHandoverForm().run(CollectingDispatcher(), tracker, domain)
    phones = [e["value"] for e in events if e.get("name") == c.SLOT_CONTACT_PHONE]
    assert phones[-1] == "13912345678"


def test_the_same_invalid_value_twice_is_answered_in_other_words() -> None:
    dispatcher = CollectingDispatcher()
    first = resources.replies()["handover"]["phone_invalid"]
    events = [
        {"event": "user", "text": "12345"},
        {"event": "bot", "text": first},
        {"event": "user", "text": "6512345"},
    ]
    tracker = make_tracker("6512345", c.INFORM, events=events)
    ValidateHandoverForm().validate_contact_phone("6512345", dispatcher, tracker, {})
    [said] = [m["text"] for m in dispatcher.messages]
    assert said.startswith("这个号码也不对")
