"""Reads one user turn from the tracker and decides whether to answer, route, or do both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rasa_sdk import Tracker

from actions import constants as c
from actions.routing import Directory
from actions.vocabulary import Vocabulary

ReplyKind = Literal["answer", "route", "both"]
QUESTION_MARKS = ("?", "？", "吗", "什么", "怎么", "如何", "多少", "哪", "几", "是否")


@dataclass(frozen=True)
class Turn:
    """What the latest message says, in canonical values, next to what the conversation holds."""

    text: str  # the user's words; "" when a button sent an intent payload
    intent: str
    needs: tuple[str, ...]  # named in this message
    ip_types: tuple[str, ...]
    location_text: str | None  # a place named in this message
    slot_need: str | None  # canonical values remembered from earlier turns
    slot_ip_type: str | None
    slot_location: str | None
    topic: str | None
    last_question: str

    @property
    def has_subject(self) -> bool:
        return bool(self.needs or self.ip_types)

    @property
    def context_needs(self) -> tuple[str, ...]:
        return self.needs or ((self.slot_need,) if self.slot_need else ())

    @property
    def context_ip_type(self) -> str | None:
        return self.ip_types[0] if self.ip_types else self.slot_ip_type

    @property
    def context_location(self) -> str | None:
        return self.location_text or self.slot_location


def _entity_values(message: dict[str, Any], name: str) -> list[str]:
    return [
        str(e["value"]) for e in message.get("entities") or [] if e.get("entity") == name and e.get("value")
    ]


def _merge(*groups: Sequence[str | None]) -> tuple[str, ...]:
    seen: list[str] = []
    for group in groups:
        seen.extend(v for v in group if v and v not in seen)
    return tuple(seen)


def read_turn(tracker: Tracker, vocab: Vocabulary, directory: Directory | None) -> Turn:
    """Canonical needs, IP types and place of the latest message, plus the remembered ones."""
    message = tracker.latest_message or {}
    raw = str(message.get("text") or "")
    text = "" if raw.startswith("/") else raw.strip()
    # The word lists are precise where they match (被起诉 is a dispute, not a lawsuit to file);
    # the model's entities fill in when the words are new to them.
    needs = tuple(vocab.find_needs(text)) or _merge(
        [vocab.canonical_need(v) for v in _entity_values(message, c.ENTITY_NEED)]
    )
    ip_types = tuple(vocab.find_ip_types(text)) or _merge(
        [vocab.canonical_ip_type(v) for v in _entity_values(message, c.ENTITY_IP_TYPE)]
    )
    place = directory.resolve_location(text) if directory and text else None
    entity_places = _entity_values(message, c.ENTITY_LOCATION)
    location = place.name if place else (entity_places[0] if entity_places else None)
    return Turn(
        text=text,
        intent=str((message.get("intent") or {}).get("name") or ""),
        needs=needs,
        ip_types=ip_types,
        location_text=location,
        slot_need=vocab.canonical_need(tracker.get_slot(c.SLOT_NEED)),
        slot_ip_type=vocab.canonical_ip_type(tracker.get_slot(c.SLOT_IP_TYPE)),
        slot_location=tracker.get_slot(c.SLOT_LOCATION) or None,
        topic=tracker.get_slot(c.SLOT_TOPIC),
        last_question=str(tracker.get_slot(c.SLOT_LAST_QUESTION) or ""),
    )


def is_question(text: str) -> bool:
    """True when the words ask something rather than state something."""
    return any(mark in text for mark in QUESTION_MARKS)


def continues_question(turn: Turn, vocab: Vocabulary) -> bool:
    """True when the message only adds to the question just answered ("那版权呢？", "在哪里？")."""
    if turn.topic != c.TOPIC_QUESTION or turn.location_text:
        return False
    return vocab.is_follow_up(turn.text) or (not turn.has_subject and not turn.text)


def asks_where_for_answered_subject(turn: Turn, vocab: Vocabulary) -> bool:
    """True for "那具体找哪个部门问？" after an answer about a need or IP type: route on it."""
    remembered = turn.slot_need or turn.slot_ip_type
    return bool(remembered) and continues_question(turn, vocab) and vocab.has_place_cue(turn.text)


def route_action_kind(turn: Turn, vocab: Vocabulary) -> ReplyKind:
    """`action_route_station` routes; it answers instead when the message follows up an answered
    question, and answers as well when it asks about something rather than where to go
    ("去海外维权，有没有保险可以降低成本？")."""
    if asks_where_for_answered_subject(turn, vocab):
        return "route"
    if turn.intent in (c.FIND_STATION, c.INFORM) and continues_question(turn, vocab) and turn.text:
        return "answer"
    asks_about_something = is_question(turn.text) and not vocab.has_place_cue(turn.text)
    if turn.intent == c.FIND_STATION and asks_about_something and not vocab.is_follow_up(turn.text):
        return "both"
    return "route"


def answer_action_kind(turn: Turn, vocab: Vocabulary) -> ReplyKind:
    """`action_answer_question` answers; it also routes when the message asks where to go.

    The intent classifier often confuses asking a question, asking where to go and giving a
    detail; the message and the conversation so far repair the common cases.
    """
    if asks_where_for_answered_subject(turn, vocab):
        return "route"
    if turn.intent in (c.FIND_STATION, c.INFORM) and not continues_question(turn, vocab):
        return "route"
    if turn.has_subject and vocab.has_place_cue(turn.text):
        return "both"
    follow_up = vocab.is_follow_up(turn.text)
    if not turn.has_subject and follow_up and turn.topic == c.TOPIC_ROUTE:
        return "route"
    remembered = turn.slot_need or turn.slot_ip_type or turn.topic == c.TOPIC_ROUTE
    if turn.location_text and remembered and not is_question(turn.text):
        return "route"
    return "answer"
