"""`action_route_station` and the location form's validation: send the enterprise to the right body."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions.action_answer import directory_or_none
from actions.parsing import parse_place
from actions.respond import answer, route_to_station
from actions.turn import is_question, read_turn, route_action_kind
from actions.vocabulary import get_vocabulary

# Intents that leave the location question unanswered (rules in bot/rules/forms.yml handle them).
NOT_A_PLACE = frozenset(
    {
        c.ASK_QUESTION,
        c.FIND_STATION,
        c.REQUEST_HUMAN,
        c.DENY,
        c.AFFIRM,
        c.GOODBYE,
        c.THANK,
        c.GREET,
        c.BOT_CHALLENGE,
        c.CHITCHAT,
        c.OUT_OF_SCOPE,
        c.FEEDBACK,
    }
)


class ActionRouteStation(Action):
    """Shows the stations for the need, IP type and place; asks for what is missing."""

    def name(self) -> str:
        return c.ACTION_ROUTE_STATION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        vocab = get_vocabulary()
        turn = read_turn(tracker, vocab, directory_or_none())
        kind = route_action_kind(turn, vocab)
        if kind == "answer":
            _, events = answer(dispatcher, turn, vocab)
            return [*events, SlotSet(c.SLOT_ROUTE_STATUS, c.ROUTE_DONE)]
        events = answer(dispatcher, turn, vocab, quiet_miss=True)[1] if kind == "both" else []
        # When a place is missing the location form asks for it, so the reply does not.
        return events + route_to_station(dispatcher, turn, vocab, ask_location=False)


class ValidateLocationForm(FormValidationAction):
    """Takes the street or park from the answer; an unknown place is kept (it routes to the centre)."""

    def name(self) -> str:
        return c.VALIDATE_LOCATION_FORM

    async def extract_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if tracker.get_slot(c.SLOT_REQUESTED) != c.SLOT_LOCATION:
            return {}
        message = tracker.latest_message or {}
        text = str(message.get("text") or "").strip()
        intent = str((message.get("intent") or {}).get("name") or "")
        has_entity = any(e.get("entity") == c.ENTITY_LOCATION for e in message.get("entities") or [])
        if not text or text.startswith("/") or has_entity:
            return {}
        directory = directory_or_none()
        place = directory.resolve_location(text) if directory else None
        if place is not None:
            return {c.SLOT_LOCATION: place.name}
        vocab = get_vocabulary()
        if intent in NOT_A_PLACE or is_question(text) or vocab.find_needs(text) or vocab.find_ip_types(text):
            return {}
        return {c.SLOT_LOCATION: parse_place(text)} if parse_place(text) else {}

    def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        directory = directory_or_none()
        place = directory.resolve_location(str(value)) if directory and value else None
        return {c.SLOT_LOCATION: place.name if place else parse_place(str(value or ""))}
