"""A form that reads every answer from the raw text of the message, whatever intent NLU gives it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c


class RawAnswerForm(FormValidationAction, ABC):
    """The message is the answer to the question asked; `validate_<slot>` methods parse it.

    A subclass names `stop_slot`: when a validation sets it to False the form ends at once (stopped),
    and `answer_text` may turn a button payload into words or refuse it (None).
    """

    stop_slot: ClassVar[str]

    @abstractmethod
    def name(self) -> str:
        """Abstract, so the action server registers only the concrete forms."""

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        if tracker.get_slot(self.stop_slot) is False:
            return [self.stop_slot]  # filled, so the form ends without asking anything more
        return domain_slots

    def answer_text(self, text: str) -> str | None:
        """The answer the message gives; payloads ("/affirm") are refused unless a subclass maps them."""
        return None if text.startswith("/") else text

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        requested = tracker.get_slot(c.SLOT_REQUESTED)
        text = str((tracker.latest_message or {}).get("text") or "").strip()
        answer = self.answer_text(text) if text else None
        if requested not in self.domain_slots(domain) or not answer:
            return []
        tracker.slots[requested] = answer
        return [SlotSet(requested, answer)]
