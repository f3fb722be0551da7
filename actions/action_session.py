"""`action_session_start`: a new session forgets the conversation but keeps the company's place."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c


class ActionSessionStart(Action):
    """Starts a session carrying over only SESSION_CARRIED_SLOTS (never contact details)."""

    def name(self) -> str:
        return c.ACTION_SESSION_START

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        for slot in c.SESSION_CARRIED_SLOTS:
            value = tracker.get_slot(slot)
            if value is not None:
                events.append(SlotSet(slot, value))
        events.append(ActionExecuted("action_listen"))
        return events
