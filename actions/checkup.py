"""知识产权体检: the check-up form (every answer read from the raw text) and the report action.

Inside the form each message is the answer to the question asked, a skip (“跳过”), a step back
(“返回上一步”), a change (“修改行业”, “行业改成人工智能”) or a stop (“取消”); anything else gets
the field's error and the question again. The report (actions/checkup_report.py) cites an entry
for every line.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.checkup_report import build_report, render_text, report_payload
from actions.parsing import is_stop
from actions.raw_form import RawAnswerForm
from retrieval.knowledge import KnowledgeBase
from retrieval.schema import CHECKUP_OPTIONS, SKIPPED

QUESTION_SLOTS = tuple(c.CHECKUP_SLOTS)
ALL_SLOTS = (*QUESTION_SLOTS, c.SLOT_CHECKUP_CONFIRMED)
MULTI_FIELDS = frozenset({"ip", "plans"})
NONE_OPTION = "暂无"  # of a multi-choice field: only when nothing else is named
SEPARATOR = "、"
_EDGE = " 。.!！?？,，、~～"


@lru_cache(maxsize=1)
def texts() -> dict[str, Any]:
    """Chinese texts and word lists of the check-up (actions/data/checkup_texts.yml)."""
    return resources._read("checkup_texts.yml")


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().strip(_EDGE).lower()


def _has(key: str, words: list[str]) -> bool:
    return any(_key(w) in key for w in words)


def parse_option(field: str, text: str) -> str | None:
    """The option(s) the text names for a fixed-choice field, joined by 、; None if it names none."""
    key = _key(text)
    words: dict[str, list[str]] = texts()["words"].get(field, {})
    exact = [option for option in CHECKUP_OPTIONS[field] if _key(option) == key]
    if exact:
        return exact[0]
    # the word lists' order decides between options (海外纠纷 before 没有 before 国内纠纷)
    options = [*(o for o in words if o in CHECKUP_OPTIONS[field]), *CHECKUP_OPTIONS[field]]
    named = [
        option
        for option in dict.fromkeys(options)
        if option != NONE_OPTION or field not in MULTI_FIELDS
        if _key(option) in key or _has(key, words.get(option, []))
    ]
    if field in MULTI_FIELDS:
        if not named and (_key(NONE_OPTION) in key or _has(key, words.get(NONE_OPTION, []))):
            named = [NONE_OPTION]
        return SEPARATOR.join(named) or None
    return named[0] if named else None


def parse_answer(field: str, text: str, directory: KnowledgeBase | None) -> str | None:
    """The canonical answer for a field, SKIPPED for a skip, None when the text is not an answer."""
    key = _key(text)
    words = texts()
    if _has(key, words["skip_words"]) and len(key) <= 8:
        return SKIPPED
    if field == "location":
        if _has(key, words["outside_words"]):
            return SKIPPED
        place = directory.resolve_location(text) if directory is not None else None
        return place.name if place is not None else None
    return parse_option(field, text)


def profile_of(slots: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Profile fields from the slot values: skipped or empty fields hold nothing."""
    profile: dict[str, tuple[str, ...]] = {}
    for slot, field in c.CHECKUP_SLOTS.items():
        value = str(slots.get(slot) or "")
        profile[field] = () if value in ("", SKIPPED) else tuple(value.split(SEPARATOR))
    return profile


def _field_of(key: str) -> str | None:
    """The first field whose cue the text holds."""
    for field, cues in texts()["field_cues"].items():
        if _has(key, cues):
            return str(field)
    return None


def changed_field(key: str) -> str | None:
    """The field a change request names (“修改行业”), "" when it names none, None when it is no change."""
    if not _has(key, texts()["change_words"]):
        return None
    return _field_of(key) or ""


def bare_field(key: str) -> str | None:
    """The field a reply names by itself (“行业”, “所在地”): a change request at the read-back."""
    words = texts()
    for field, label in words["field_labels"].items():
        if key in (_key(cue) for cue in [label, *words["field_cues"][field]]):
            return str(field)
    return None


def change_buttons() -> list[dict[str, str]]:
    """One button per field for “修改” without a field; each says a change request changed_field reads."""
    words = texts()
    template = words["form"]["change_button"]
    titles = [template.format(label=label) for label in words["field_labels"].values()]
    return [{"title": title, "payload": title} for title in titles]


def new_answer_text(key: str) -> str:
    """What a change request says after its change word and field (“行业改成人工智能” → “人工智能”)."""
    words = texts()
    said = key
    for word in words["change_words"]:
        if _key(word) in said:
            said = said.rsplit(_key(word), 1)[1]
    cues = [words["field_labels"][f] for f in words["field_cues"]]
    cues += [cue for f in words["field_cues"] for cue in words["field_cues"][f]]
    for cue in sorted(cues, key=len, reverse=True):
        if said.startswith(_key(cue)):
            said = said[len(_key(cue)) :]
            break
    return said.lstrip("为成到：: ")


class ValidateCheckupForm(RawAnswerForm):
    """Reads the answer to the question asked from the raw text; handles skip, back, change, stop."""

    stop_slot = c.SLOT_CHECKUP_CONFIRMED  # stopped: filled with False, so the form ends at once

    def name(self) -> str:
        return c.VALIDATE_CHECKUP_FORM

    def answer_text(self, text: str) -> str | None:
        """Buttons send plain text here; /affirm confirms the read-back; the start button is no answer."""
        return None if text.startswith(f"/{c.START_CHECKUP}") else text

    def _say(self, dispatcher: CollectingDispatcher, key: str, **values: str) -> None:
        dispatcher.utter_message(text=texts()["form"][key].format(**values))

    def _navigate(self, slot: str, text: str, dispatcher: CollectingDispatcher) -> dict[str, Any] | None:
        """Slot changes for a stop, a step back or a change of answer; None for an ordinary answer."""
        key = _key(text)
        words = texts()
        if is_stop(text) or key in ("退出", "退出体检", "结束体检"):
            return {c.SLOT_CHECKUP_CONFIRMED: False}
        if _has(key, words["back_words"]) and len(key) <= 8:
            index = ALL_SLOTS.index(slot)
            if index == 0:
                self._say(dispatcher, "back_first")
                return {slot: None}
            self._say(dispatcher, "back")
            return {slot: None, ALL_SLOTS[index - 1]: None}
        field = changed_field(key)
        if field is None and slot == c.SLOT_CHECKUP_CONFIRMED:
            field = bare_field(key)
        if field is None:
            return None
        if not field:
            dispatcher.utter_message(text=words["form"]["change_which"], buttons=change_buttons())
            return {slot: None}
        target = next(s for s, f in c.CHECKUP_SLOTS.items() if f == field)
        changes: dict[str, Any] = {slot: None, target: None}
        said = new_answer_text(key)
        value = parse_answer(field, said, resources.directory_or_none()) if said else None
        if value is not None and value != SKIPPED:  # “行业改成人工智能”: the new answer at once
            changes[target] = value
        else:
            self._say(dispatcher, "change")
        return changes

    def _answer(self, slot: str, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        text = str(value or "")
        navigated = self._navigate(slot, text, dispatcher)
        if navigated is not None:
            return navigated
        field = c.CHECKUP_SLOTS[slot]
        answer = parse_answer(field, text, resources.directory_or_none())
        if answer is None:
            form = texts()["form"]
            if field == "location":
                dispatcher.utter_message(text=form["invalid_location"])
            else:
                dispatcher.utter_message(text=form["invalid"].format(example=texts()["examples"][field]))
        return {slot: answer}

    def validate_checkup_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if isinstance(value, bool):
            return {c.SLOT_CHECKUP_CONFIRMED: value}
        text = str(value or "")
        if text == f"/{c.AFFIRM}":
            return {c.SLOT_CHECKUP_CONFIRMED: True}
        navigated = self._navigate(c.SLOT_CHECKUP_CONFIRMED, text, dispatcher)
        if navigated is not None:
            return navigated
        key = _key(text)
        if key and len(key) <= 8 and _has(key, texts()["confirm_words"]) and "不" not in key:
            return {c.SLOT_CHECKUP_CONFIRMED: True}
        self._say(dispatcher, "confirm_invalid")
        return {c.SLOT_CHECKUP_CONFIRMED: None}


def _question_validator(slot: str) -> Any:
    """`validate_<slot>` for one profile question: every answer goes through `_answer`."""

    def validate(
        self: ValidateCheckupForm,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> dict[str, Any]:
        return self._answer(slot, value, dispatcher)

    return validate


for _slot in QUESTION_SLOTS:  # rasa-sdk finds validators by name
    setattr(ValidateCheckupForm, f"validate_{_slot}", _question_validator(_slot))


def clear_checkup() -> list[EventType]:
    """Forget every answer, and the planner's decision that started the form."""
    return [SlotSet(slot, None) for slot in (*ALL_SLOTS, c.SLOT_NEXT_FORM)]


class ActionCheckupReport(Action):
    """After the form: the cited report (or a stop message), then every answer is forgotten."""

    def name(self) -> str:
        return c.ACTION_CHECKUP_REPORT

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        words = texts()
        if tracker.get_slot(c.SLOT_CHECKUP_CONFIRMED) is not True:
            dispatcher.utter_message(text=words["form"]["stopped"])
            return clear_checkup()
        base = resources.get_knowledge()
        profile = profile_of(tracker.slots)
        place_name = profile["location"][0] if profile["location"] else None
        location = base.resolve_location(place_name) if place_name else None
        report = build_report(base, profile, words["report"], location)
        text = render_text(report, words["report"], words["field_labels"], SKIPPED)
        dispatcher.utter_message(
            text=text,
            buttons=list(words["report"]["buttons"]),
            # an empty report too: the gateway counts every check-up's profile (no print link for it)
            json_message={"checkup": report_payload(report, words["report"])},
        )
        events = clear_checkup()
        if location is not None:  # the company's place is kept for later routing, as when named
            events.append(SlotSet(c.SLOT_LOCATION, location.name))
        return events
