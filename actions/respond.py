"""The two reply paths shared by the actions: answer from the index, and route to stations."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.answering import combine_follow_up
from actions.compose import Reply, answer_reply, no_answer_reply, route_reply
from actions.routing import RouteDecision, RouteQuery, primary_need, route
from actions.turn import Turn
from actions.vocabulary import Vocabulary
from retrieval.errors import RetrievalError
from retrieval.normalize import normalize_text

log = logging.getLogger(__name__)
SEARCH_K = 5


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    """Send text, buttons and the custom payload as one bot message."""
    dispatcher.utter_message(
        text=reply.text, buttons=reply.buttons or None, json_message=reply.payload or None
    )


def effective_question(turn: Turn, vocab: Vocabulary) -> str:
    """The question to search: a follow-up is completed with the previous question."""
    if turn.last_question and turn.topic == c.TOPIC_QUESTION and vocab.is_follow_up(turn.text):
        previous = normalize_text(turn.last_question)
        # The slot already holds the new IP type (Rasa fills it first): read the old one from the text.
        olds = [ip for ip in vocab.find_ip_types(previous) if ip not in turn.ip_types]
        old_terms = [w for w in vocab.ip_types[olds[0]] if w in previous] if olds else []
        old_terms.sort(key=len, reverse=True)
        return combine_follow_up(previous, turn.text, old_terms, list(turn.ip_types))
    return turn.text or turn.last_question


def subject_slots(turn: Turn) -> list[EventType]:
    """Remember the canonical need and IP type named in this message."""
    events: list[EventType] = []
    if turn.needs:
        events.append(SlotSet(c.SLOT_NEED, primary_need(turn.needs)))
    if turn.ip_types:
        events.append(SlotSet(c.SLOT_IP_TYPE, turn.ip_types[0]))
    return events


def answer(
    dispatcher: CollectingDispatcher, turn: Turn, vocab: Vocabulary, *, quiet_miss: bool = False
) -> tuple[bool, list[EventType]]:
    """Search and answer; returns whether an answer was given, and the slot events.

    With quiet_miss the honest 'no answer' reply is left out (a station list follows instead).
    """
    question = effective_question(turn, vocab)
    texts = resources.replies()
    events = [SlotSet(c.SLOT_TOPIC, c.TOPIC_QUESTION), SlotSet(c.SLOT_LAST_QUESTION, question)]
    events += subject_slots(turn)
    try:
        result = resources.get_searcher().search(question, k=SEARCH_K)
    except RetrievalError as error:
        log.error("search failed: %s", error)
        send(dispatcher, Reply(texts["errors"]["knowledge"], [], {"fallback": True}))
        return False, events
    if result.answerable and result.hits:
        send(dispatcher, answer_reply(question, result.hits, texts, tentative=not result.certain))
        return True, events
    if not quiet_miss:
        send(dispatcher, no_answer_reply(texts))
    return False, events


def _route_slots(turn: Turn, decision: RouteDecision, location: str | None) -> list[EventType]:
    status = c.ROUTE_DONE
    if decision.needs_location:
        status = c.ROUTE_NEED_LOCATION
    elif decision.needs_need:
        status = c.ROUTE_NEED_NEED
    events: list[EventType] = [SlotSet(c.SLOT_TOPIC, c.TOPIC_ROUTE), SlotSet(c.SLOT_ROUTE_STATUS, status)]
    events += subject_slots(turn)
    if decision.location is not None:
        events.append(SlotSet(c.SLOT_LOCATION, decision.location.name))
    elif decision.location_status == "unknown":
        events.append(SlotSet(c.SLOT_LOCATION, location))
    first = decision.stations[0] if decision.stations else None
    events.append(SlotSet(c.SLOT_STATION_TYPE, first.type.value if first else None))
    events.append(SlotSet(c.SLOT_STATION_ID, first.id if first else None))
    if turn.text:
        events.append(SlotSet(c.SLOT_LAST_QUESTION, turn.text))
    return events


def route_to_station(
    dispatcher: CollectingDispatcher, turn: Turn, vocab: Vocabulary, *, ask_location: bool
) -> list[EventType]:
    """Pick stations for the need, IP type and place said now or earlier, and show them."""
    texts: dict[str, Any] = resources.replies()
    try:
        directory = resources.get_knowledge()
    except RetrievalError as error:
        log.error("knowledge base failed to load: %s", error)
        send(dispatcher, Reply(texts["errors"]["knowledge"], [], {"fallback": True}))
        return [SlotSet(c.SLOT_TOPIC, c.TOPIC_ROUTE), SlotSet(c.SLOT_ROUTE_STATUS, c.ROUTE_DONE)]
    needs = turn.context_needs
    words = tuple(w for n in needs for w in vocab.needs.get(n, ()))
    location = turn.context_location
    query = RouteQuery(needs, turn.context_ip_type, location, relevance_words=words)
    decision = route(query, directory)
    reply = route_reply(
        decision, texts, resources.station_guide(), location_text=location, ask_location=ask_location
    )
    send(dispatcher, reply)
    return _route_slots(turn, decision, location)
