"""Reads one user turn from the tracker: its words in canonical values, next to what the dialogue holds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker

from actions import constants as c
from actions.parsing import is_question, parse_place
from actions.routing import Directory
from actions.vocabulary import Vocabulary
from retrieval.knowledge import location_names
from retrieval.normalize import normalize_text
from retrieval.schema import Park, Street


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
    route_status: str | None = None
    last_answer: str = ""  # the previous answer's text, so the same words are not sent twice
    place_rest: str = ""  # the message without the place it names ("环同济 面积" → "面积")

    @property
    def awaiting_location(self) -> bool:
        """The previous reply asked for the street or park."""
        return self.topic == c.TOPIC_ROUTE and self.route_status == c.ROUTE_NEED_LOCATION

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


def without_place(text: str, place: Street | Park) -> str:
    """The normalised text with every name of the place blanked out, longest name first."""
    key = normalize_text(text)
    for name in sorted(location_names(place), key=len, reverse=True):
        key = key.replace(name, " ")
    return " ".join(key.split())


def read_turn(
    tracker: Tracker,
    vocab: Vocabulary,
    directory: Directory | None,
    spell: Callable[[str], str] | None = None,
) -> Turn:
    """Canonical needs, IP types and place of the latest message, plus the remembered ones;
    `spell` corrects typos of known terms first."""
    message = tracker.latest_message or {}
    raw = str(message.get("text") or "")
    text = "" if raw.startswith("/") else raw.strip()
    if text and spell is not None:
        text = spell(text)
    # The word lists are precise where they match (被起诉 is a dispute, not a lawsuit to file);
    # the model's entities fill in when the words are new to them.
    needs = tuple(vocab.find_focus_needs(text)) or _merge(
        [vocab.canonical_need(v) for v in _entity_values(message, c.ENTITY_NEED)]
    )
    ip_types = tuple(vocab.find_ip_types(text)) or _merge(
        [vocab.canonical_ip_type(v) for v in _entity_values(message, c.ENTITY_IP_TYPE)]
    )
    place = directory.resolve_location(text) if directory and text else None
    entity_places = _entity_values(message, c.ENTITY_LOCATION)
    if directory and text:  # NLU also tags 同济 in the name of 同济大学…学院
        outside = directory.without_body_names(text)
        entity_places = [p for p in entity_places if normalize_text(p) in outside]
    if raw.startswith("/") and entity_places and directory:  # a location button
        place = directory.resolve_location(entity_places[0])
    location = place.name if place else (entity_places[0] if entity_places else None)
    awaiting = tracker.get_slot(c.SLOT_ROUTE_STATUS) == c.ROUTE_NEED_LOCATION
    if location is None and awaiting and text and not needs and not ip_types and not is_question(text):
        location = parse_place(text)  # an unknown place is kept: it routes to the centre
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
        route_status=tracker.get_slot(c.SLOT_ROUTE_STATUS),
        last_answer=str(tracker.get_slot(c.SLOT_LAST_ANSWER) or ""),
        place_rest=without_place(text, place) if place else "",
    )
