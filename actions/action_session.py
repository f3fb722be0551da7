"""`action_session_start`: a new session forgets the conversation but keeps the company's place; a session
that only continues a long one (service/rasa_entry.py) keeps everything."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c


class ActionSessionStart(Action):
    """Starts a session carrying over only SESSION_CARRIED_SLOTS (never contact details), or every slot
    when the session continues the conversation."""

    def name(self) -> str:
        return c.ACTION_SESSION_START

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        metadata = tracker.get_slot(c.SLOT_SESSION_METADATA)
        continues = isinstance(metadata, dict) and metadata.get(c.SESSION_CONTINUES) is True
        if continues:
            carried = [slot for slot in tracker.slots if slot != c.SLOT_SESSION_METADATA]
        else:
            carried = list(c.SESSION_CARRIED_SLOTS)
        events: list[EventType] = [SessionStarted()]
        for slot in carried:
            value = tracker.get_slot(slot)
            if value is not None:
                events.append(SlotSet(slot, value))
        events.append(ActionExecuted("action_listen"))
        return events
