"""Handover to staff: consent first, then name, company and phone, then a referral for the gateway."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.action_answer import directory_or_none
from actions.parsing import mask_phone, parse_company, parse_name, parse_phone


def clear_contact() -> list[EventType]:
    """Forget consent and every contact detail."""
    return [SlotSet(c.SLOT_CONSENT, None), *(SlotSet(slot, None) for slot in c.CONTACT_SLOTS)]


class ValidateHandoverForm(FormValidationAction):
    """Stops at once without consent; checks name, company and phone with Chinese messages."""

    def name(self) -> str:
        return c.VALIDATE_HANDOVER_FORM

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        if tracker.get_slot(c.SLOT_CONSENT) is False:
            return [c.SLOT_CONSENT]  # filled, so the form ends without asking for details
        return domain_slots

    def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return {c.SLOT_CONSENT: value if isinstance(value, bool) else None}

    def _check(
        self, slot: str, parsed: str | None, message_key: str, dispatcher: CollectingDispatcher
    ) -> dict[str, Any]:
        if parsed is None:
            dispatcher.utter_message(text=resources.replies()["handover"][message_key])
        return {slot: parsed}

    def validate_contact_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._check(c.SLOT_CONTACT_NAME, parse_name(str(value or "")), "name_invalid", dispatcher)

    def validate_contact_company(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        parsed = parse_company(str(value or ""))
        return self._check(c.SLOT_CONTACT_COMPANY, parsed, "company_invalid", dispatcher)

    def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._check(c.SLOT_CONTACT_PHONE, parse_phone(str(value or "")), "phone_invalid", dispatcher)


class ActionCreateReferral(Action):
    """With consent: a `referral` payload (stored by the gateway, never shown) and a confirmation."""

    def name(self) -> str:
        return c.ACTION_CREATE_REFERRAL

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        texts = resources.replies()["handover"]
        contact = {slot: tracker.get_slot(slot) for slot in c.CONTACT_SLOTS}
        if tracker.get_slot(c.SLOT_CONSENT) is not True or not all(contact.values()):
            dispatcher.utter_message(text=texts["no_consent"])
            return clear_contact()
        station_id = str(tracker.get_slot(c.SLOT_STATION_ID) or "")
        referral = {
            "name": contact[c.SLOT_CONTACT_NAME],
            "company": contact[c.SLOT_CONTACT_COMPANY],
            "phone": contact[c.SLOT_CONTACT_PHONE],
            "station_id": station_id,
            "station_type": str(tracker.get_slot(c.SLOT_STATION_TYPE) or ""),
            "question": str(tracker.get_slot(c.SLOT_LAST_QUESTION) or ""),
        }
        directory = directory_or_none()
        station = directory.station(station_id) if directory and station_id else None
        phone = mask_phone(str(contact[c.SLOT_CONTACT_PHONE]))
        if station is not None:
            text = texts["confirmed"].format(station=station.name, phone=phone)
        else:
            text = texts["confirmed_no_station"].format(phone=phone)
        dispatcher.utter_message(text=text, json_message={"referral": referral})
        return clear_contact()


class ActionCancelHandover(Action):
    """Forgets whatever the handover form collected (the rules send the Chinese reply)."""

    def name(self) -> str:
        return c.ACTION_CANCEL_HANDOVER

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return clear_contact()
