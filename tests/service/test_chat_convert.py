"""The pure conversion of Rasa REST messages into the public chat response."""

from __future__ import annotations

import pytest

from service.chat import BadRasaMessageError, convert


def test_custom_payload_before_any_text_opens_its_own_reply() -> None:
    result = convert("s", [{"custom": {"stations": [{"name": "A"}]}}, {"text": "好的"}])
    assert [(r.text, r.stations) for r in result.response.replies] == [("", [{"name": "A"}]), ("好的", [])]


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
    sources = [{"title": "T"}]
    messages = [{"text": "答"}, {"custom": {"sources": sources, "tier": "closest"}}, {"text": "再问"}]
    replies = convert("s", messages).response.replies
    assert [(r.text, r.tier) for r in replies] == [("答", "closest"), ("再问", "")]
