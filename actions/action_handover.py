"""Handover to staff: consent, name, company, phone, a read-back, then a referral for the gateway.

Inside the form every message is read as the answer to the question asked, whatever intent NLU
gives it: an invalid value gets the field's Chinese error and the same question again; only an
explicit stop ("取消", "算了", "不用了", "不同意") leaves the form, and nothing is dropped silently.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.handover_terms import handover_terms
from actions.parsing import (
    ORG_WORDS,
    is_correction,
    is_stop,
    mask_phone,
    parse_company,
    parse_name,
    parse_phone,
    parse_yes_no,
    split_name_company,
)
from actions.raw_form import RawAnswerForm
from actions.reference_number import new_reference

PAYLOAD_WORDS = {f"/{c.AFFIRM}": "同意", f"/{c.DENY}": "不同意"}


def _last_bot_texts(tracker: Tracker) -> list[str]:
    """What the bot said since the user's message before the latest one."""
    texts: list[str] = []
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                break
        elif event.get("event") == "bot" and users == 1:
            texts.append(str(event.get("text") or ""))
    return texts


def clear_contact() -> list[EventType]:
    """Forget consent and every contact detail (and that a handover was asked for)."""
    slots = (c.SLOT_CONSENT, *c.CONTACT_SLOTS, c.SLOT_CONTACT_CONFIRMED, c.SLOT_NEXT_FORM)
    return [SlotSet(slot, None) for slot in slots]


def cancelled() -> dict[str, Any]:
    """Slot values that end the form without a referral (consent withdrawn, details forgotten)."""
    return {c.SLOT_CONSENT: False, **dict.fromkeys((*c.CONTACT_SLOTS, c.SLOT_CONTACT_CONFIRMED))}


class ValidateHandoverForm(RawAnswerForm):
    """Reads the answer to the requested question from the raw text, then checks it."""

    stop_slot = c.SLOT_CONSENT  # no consent, or consent withdrawn: nothing is asked or kept

    def name(self) -> str:
        return c.VALIDATE_HANDOVER_FORM

    def answer_text(self, text: str) -> str | None:
        """The consent buttons send /affirm and /deny: read as 同意 and 不同意."""
        return super().answer_text(PAYLOAD_WORDS.get(text, text))

    def _say(self, dispatcher: CollectingDispatcher, key: str, **values: str) -> None:
        dispatcher.utter_message(text=resources.replies()["handover"][key].format(**values))

    def _invalid(self, dispatcher: CollectingDispatcher, tracker: Tracker, key: str) -> None:
        """The field's error; said differently when the same error was just given."""
        texts = resources.replies()["handover"]
        said_before = any(texts[key] in text for text in _last_bot_texts(tracker))
        dispatcher.utter_message(text=texts[f"{key}_again" if said_before else key])

    def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if isinstance(value, bool):
            return {c.SLOT_CONSENT: value}
        answer = parse_yes_no(str(value or ""))
        if answer is None and is_stop(str(value or "")):
            answer = False
        if answer is None:
            self._invalid(dispatcher, tracker, "consent_invalid")
        return {c.SLOT_CONSENT: answer} if answer is not False else cancelled()

    def validate_contact_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        if is_stop(text):
            return cancelled()
        name, company = split_name_company(text)
        if name is None:
            self._invalid(dispatcher, tracker, "name_invalid")
            return {c.SLOT_CONTACT_NAME: None}
        return {c.SLOT_CONTACT_NAME: name, **({c.SLOT_CONTACT_COMPANY: company} if company else {})}

    def _name_correction(
        self, text: str, slot: str, dispatcher: CollectingDispatcher
    ) -> dict[str, Any] | None:
        """“不对，我叫王强” while another detail is asked: take the new name, ask again."""
        name = corrections(text).get(c.SLOT_CONTACT_NAME)
        if name is None:
            return None
        self._say(dispatcher, "name_changed", name=name)
        return {c.SLOT_CONTACT_NAME: name, slot: None}

    def validate_contact_company(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        if is_stop(text):
            return cancelled()
        corrected = self._name_correction(text, c.SLOT_CONTACT_COMPANY, dispatcher)
        if corrected is not None:
            return corrected
        company = parse_company(text)
        if company is None:
            self._invalid(dispatcher, tracker, "company_invalid")
        return {c.SLOT_CONTACT_COMPANY: company}

    def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        if is_stop(text):
            return cancelled()
        phone = parse_phone(text)
        if phone is not None:
            return {c.SLOT_CONTACT_PHONE: phone}
        corrected = self._name_correction(text, c.SLOT_CONTACT_PHONE, dispatcher)
        if corrected is not None:
            return corrected
        self._invalid(dispatcher, tracker, "phone_invalid")
        return {c.SLOT_CONTACT_PHONE: None}

    def validate_contact_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        if is_stop(text):
            return cancelled()
        if not is_correction(text) and parse_yes_no(text) is True:
            return {c.SLOT_CONTACT_CONFIRMED: True}
        changes = corrections(text)
        if not changes:
            self._invalid(dispatcher, tracker, "confirm_invalid")
        return {**changes, c.SLOT_CONTACT_CONFIRMED: None}  # asked again with the new details


NAME_CUES = ("名字", "姓名", "称呼", "我叫", "叫我", "我是")
COMPANY_CUES = ("公司名称", "公司名", "单位名称", "公司", "单位")
LINKS = ("不对", "错了", "改成", "改为", "应该是", "是", "为", "：", ":", "，", ",", " ")


def _after(text: str, cues: tuple[str, ...]) -> str | None:
    """What follows the first cue, linking words ("改成", "是", "：") stripped; None without a cue."""
    for cue in cues:
        start = text.find(cue)
        if start < 0:
            continue
        rest = text[start + len(cue) :]
        while rest.startswith(LINKS):
            rest = next(rest[len(link) :] for link in LINKS if rest.startswith(link))
        return rest or None
    return None


def corrections(text: str) -> dict[str, Any]:
    """Details a read-back correction changes: a phone number, a name, a company name."""
    changes: dict[str, Any] = {}
    if phone := parse_phone(text):
        changes[c.SLOT_CONTACT_PHONE] = phone
    if (named := _after(text, NAME_CUES)) and (name := parse_name(named)):
        changes[c.SLOT_CONTACT_NAME] = name
    elif "姓" in text and (name := parse_name("姓" + text.rsplit("姓", 1)[1])):
        changes[c.SLOT_CONTACT_NAME] = name
    if (company := parse_company(_after(text, COMPANY_CUES) or "")) and any(w in company for w in ORG_WORDS):
        changes[c.SLOT_CONTACT_COMPANY] = company
    elif any(w in text for w in ORG_WORDS) and c.SLOT_CONTACT_NAME not in changes:
        _, company = split_name_company(text)
        if company:
            changes[c.SLOT_CONTACT_COMPANY] = company
    return changes


class ActionAskConsent(Action):
    """The handover form's consent question, stating the retention period the purge applies."""

    def name(self) -> str:
        return c.ACTION_ASK_CONSENT

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = resources.replies()["handover"]["consent"].format(days=handover_terms().retention_days)
        buttons = [{"title": word, "payload": payload} for payload, word in PAYLOAD_WORDS.items()]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionCreateReferral(Action):
    """With consent and confirmed details: a `referral` payload (stored by the gateway) and a
    confirmation with its reference number; otherwise says that nothing was kept."""

    def name(self) -> str:
        return c.ACTION_CREATE_REFERRAL

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        texts = resources.replies()["handover"]
        contact = {slot: tracker.get_slot(slot) for slot in c.CONTACT_SLOTS}
        confirmed = tracker.get_slot(c.SLOT_CONTACT_CONFIRMED) is True
        if tracker.get_slot(c.SLOT_CONSENT) is not True or not all(contact.values()) or not confirmed:
            dispatcher.utter_message(text=texts["cancelled"])
            return clear_contact()
        station_id = str(tracker.get_slot(c.SLOT_STATION_ID) or "")
        referral = {
            "reference": new_reference(),  # made here so Rasa's tracker holds the number the user was told
            "name": contact[c.SLOT_CONTACT_NAME],
            "company": contact[c.SLOT_CONTACT_COMPANY],
            "phone": contact[c.SLOT_CONTACT_PHONE],
            "station_id": station_id,
            "station_type": str(tracker.get_slot(c.SLOT_STATION_TYPE) or ""),
            "question": str(tracker.get_slot(c.SLOT_LAST_QUESTION) or ""),
        }
        text = confirmation(texts, referral["reference"], station_id, mask_phone(str(referral["phone"])))
        dispatcher.utter_message(text=text, json_message={"referral": referral})
        return clear_contact()


def confirmation(texts: dict[str, str], reference: str, station_id: str, phone: str) -> str:
    """Number and who calls back; when, only if the district set a period; how to check or cancel;
    what is kept and for how long."""
    terms = handover_terms()
    directory = resources.directory_or_none()
    station = directory.station(station_id) if directory and station_id else None
    days = terms.handover_callback_days
    when = texts["within_days"].format(days=days) if days else ""  # no period set: none promised
    values = {"reference": reference, "phone": phone, "when": when}
    first = (
        texts["confirmed"].format(station=station.name, **values)
        if station is not None
        else texts["confirmed_no_station"].format(**values)
    )
    follow_up = texts["follow_up"].format(reference=reference)
    return "\n".join((first, follow_up, texts["privacy"].format(days=terms.retention_days)))
