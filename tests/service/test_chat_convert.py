"""The pure conversion of Rasa REST messages into the public chat response."""

from __future__ import annotations

import pytest

from service.chat import BadRasaMessageError, convert


def test_custom_payload_before_any_text_opens_its_own_reply() -> None:
    result = convert("s", [{"custom": {"reply": {"stations": [{"name": "A"}]}}}, {"text": "好的"}])
    replies = result.response.replies
    assert [(r.stations, r.body) for r in replies] == [([{"name": "A"}], ""), ([], "好的")]
    assert replies[0].text.startswith("1. A")


def test_fallback_from_any_message_marks_the_turn() -> None:
    result = convert("s", [{"text": "a"}, {"custom": {"fallback": True}}, {"text": "b"}])
    assert result.response.fallback is True
    assert [r.text for r in result.response.replies] == ["a", "b"]


def test_malformed_referral_is_a_named_error() -> None:
    with pytest.raises(BadRasaMessageError):
        convert("s", [{"custom": {"referral": {"name": "张三"}}}])


def test_empty_rasa_answer_is_an_empty_reply_list() -> None:
    assert convert("s", []).response.replies == []


def test_the_answer_tier_reaches_its_reply() -> None:
    parts = {"body": "答", "sources": [{"title": "T", "status": "current"}], "tier": "closest"}
    messages = [{"text": "答"}, {"custom": {"reply": parts}}, {"text": "再问"}]
    replies = convert("s", messages).response.replies
    assert [(r.body, r.tier) for r in replies] == [("答", "closest"), ("再问", "")]
    assert replies[0].text == "答\n来源：T，现行"


def test_reply_parts_of_the_wrong_shape_are_a_named_error() -> None:
    with pytest.raises(BadRasaMessageError):
        convert("s", [{"custom": {"reply": {"body": "答", "notes": "not a list"}}}])
    with pytest.raises(BadRasaMessageError):
        convert("s", [{"custom": {"reply": {"body": "答", "unknown_part": 1}}}])
