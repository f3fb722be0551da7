"""`action_respond`: every user message outside a form — plan the turn once, then carry the plan out."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.respond import respond
from actions.turn import read_turn
from actions.vocabulary import get_vocabulary


class ActionRespond(Action):
    """Answer with a citation, route to stations, both, a dialogue act, or an honest fallback."""

    def name(self) -> str:
        return c.ACTION_RESPOND

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if answered_this_turn(tracker):
            return []  # one plan per user message, even if the policy asks again
        # Search and knowledge loading block: run them off the event loop so other turns go on.
        events = await asyncio.to_thread(_respond, dispatcher, tracker)
        starts_form = any(event.get("name") == c.SLOT_NEXT_FORM for event in events)
        if tracker.get_slot(c.SLOT_NEXT_FORM) and not starts_form:
            events.append(SlotSet(c.SLOT_NEXT_FORM, None))
        return events


def _respond(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    vocab = get_vocabulary()
    turn = read_turn(tracker, vocab, resources.directory_or_none(), resources.correct_spelling)
    return respond(dispatcher, turn, vocab)


def answered_this_turn(tracker: Tracker) -> bool:
    """True when action_respond already ran since the latest user message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == c.ACTION_RESPOND:
            return True
    return False
