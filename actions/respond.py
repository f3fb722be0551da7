"""Carries out a plan: searches the candidate questions, then sends the replies and sets the slots."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.answering import combine_follow_up
from actions.compose import Reply, answer_reply, no_answer_reply, route_reply
from actions.planner import Evidence, Plan, Tier, plan_turn
from actions.routing import RouteDecision, RouteQuery, primary_need, route
from actions.turn import Turn
from actions.vocabulary import Vocabulary
from retrieval.confidence import expand_english
from retrieval.errors import RetrievalError
from retrieval.freshness import Reason, assess_source
from retrieval.hits import Hit, SearchResult
from retrieval.normalize import normalize_text
from retrieval.schema import Status
from retrieval.settings import get_settings

log = logging.getLogger(__name__)
SEARCH_K = 5
Search = Callable[[str], SearchResult]


def tier_of(result: SearchResult) -> Tier:
    if not (result.answerable and result.hits):
        return "none"
    return "certain" if result.certain else "closest"


LEANING_INTENTS = frozenset({c.ASK_QUESTION, c.FIND_STATION, c.INFORM, c.NLU_FALLBACK, c.AFFIRM, c.DENY})


def completed_question(turn: Turn, vocab: Vocabulary) -> str | None:
    """The message completed by the previous question, when it may lean on it (a follow-up, or a
    question NLU does not call out of scope)."""
    if not turn.last_question or not turn.text or turn.topic is None:
        return None
    if not vocab.is_follow_up(turn.text) and turn.intent not in LEANING_INTENTS:
        return None
    previous = normalize_text(turn.last_question)
    # The slot already holds the new IP type (Rasa fills it first): read the old one from the text.
    olds = [ip for ip in vocab.find_ip_types(previous) if ip not in turn.ip_types]
    old_words = vocab.ip_types[olds[0]] if olds else ()
    old_terms = sorted((w for w in old_words if w in previous), key=len, reverse=True)
    completed = combine_follow_up(previous, turn.text, old_terms, list(turn.ip_types))
    return completed if completed != turn.text else None


@dataclass(frozen=True)
class Searched:
    """Retrieval for each candidate question, in the planner's terms and in full."""

    evidence: list[Evidence]
    results: dict[str, SearchResult]


FORMS = {"handover": c.HANDOVER_FORM, "checkup": c.CHECKUP_FORM}  # plans carried out by a form


def search_candidates(turn: Turn, vocab: Vocabulary, search: Search) -> Searched:
    """Search the message alone and, when it may lean on the last question, completed by it."""
    questions = [q for q in (turn.text, completed_question(turn, vocab)) if q]
    results = {q: search(q) for q in questions}
    evidence = [
        Evidence(q, tier_of(r), r.hits[0].kind if r.hits else None) for q, r in results.items()
    ]
    return Searched(evidence, results)


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    """Send the words, buttons and the reply's parts as one bot message."""
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None, json_message=reply.payload())


def respond(dispatcher: CollectingDispatcher, turn: Turn, vocab: Vocabulary) -> list[EventType]:
    """Plan the turn, send its replies and return the slot events; one plan per user message."""
    texts = resources.replies()
    try:
        searched = search_candidates(turn, vocab, lambda q: resources.get_searcher().search(q, k=SEARCH_K))
    except RetrievalError as error:
        log.error("search failed: %s", error)
        send(dispatcher, Reply(texts["errors"]["knowledge"], fallback=True))
        return []
    plan = plan_turn(turn, vocab, searched.evidence)
    log.info("plan %s (%s)", plan.kind, plan.reason)
    if plan.kind in FORMS:
        return [SlotSet(c.SLOT_NEXT_FORM, FORMS[plan.kind])]  # a rule in bot/rules/ starts the form
    if plan.kind == "act":
        dispatcher.utter_message(response=plan.act)
        return []
    if plan.kind == "fallback":
        if plan.act is None:
            send(dispatcher, no_answer_reply(texts))
        else:
            dispatcher.utter_message(response=plan.act)
        return [SlotSet(c.SLOT_TOPIC, None), SlotSet(c.SLOT_ROUTE_STATUS, None)]
    events = subject_slots(turn)
    if plan.kind in ("answer", "answer_route") and plan.evidence is not None:
        result = searched.results[plan.evidence.question]
        level = vocab.asked_level(f"{plan.evidence.question} {turn.text}")
        events += answer(dispatcher, turn, plan.evidence, result, level)
    if plan.kind in ("route", "answer_route", "no_answer_route"):
        events += route_to_station(dispatcher, turn, plan, vocab, missed=plan.kind == "no_answer_route")
    return events


def subject_slots(turn: Turn) -> list[EventType]:
    """Remember the canonical need, IP type and place named in this message."""
    events: list[EventType] = []
    if turn.needs:
        events.append(SlotSet(c.SLOT_NEED, primary_need(turn.needs)))
    if turn.ip_types:
        events.append(SlotSet(c.SLOT_IP_TYPE, turn.ip_types[0]))
    if turn.location_text:
        events.append(SlotSet(c.SLOT_LOCATION, turn.location_text))
    return events


def answer(
    dispatcher: CollectingDispatcher,
    turn: Turn,
    evidence: Evidence,
    result: SearchResult,
    level: str = "",
) -> list[EventType]:
    """The answer from the chosen question's hits, rules of the named `level` of government first;
    never the same words as the previous answer."""
    texts = resources.replies()
    question = evidence.question
    focus = expand_english(turn.text or question)  # sentences are picked for what was just asked
    tentative = evidence.tier != "certain"
    note = caution_note(texts["answer"], date.today(), get_settings().freshness_months)

    def draft(**options: Any) -> Reply:
        return answer_reply(
            focus, result.hits, texts, tentative=tentative, level=level, caution=note, **options
        )

    reply = draft()
    if reply.text == turn.last_answer:  # the same sentences answer again: quote the clauses asked
        reply = draft(clauses=True)
    if reply.text == turn.last_answer:
        reply = draft(skip=turn.last_answer)
    if reply.text == turn.last_answer:
        reply = Reply(texts["answer"]["nothing_more"], list(texts["answer"]["follow_up_buttons"]))
    send(dispatcher, reply)
    return [
        SlotSet(c.SLOT_TOPIC, c.TOPIC_QUESTION),
        SlotSet(c.SLOT_LAST_QUESTION, question),
        SlotSet(c.SLOT_LAST_ANSWER, reply.text),
        SlotSet(c.SLOT_ROUTE_STATUS, None),
    ]


def caution_note(labels: dict[str, str], today: date, max_age_months: int) -> Callable[[Hit], str]:
    """A hit's line on how sure the knowledge is: status unknown, undated, or older than the setting.
    Historical entries say so in their status label already."""

    def note(hit: Hit) -> str:
        if hit.source.status == Status.historical:
            return ""
        verdict = assess_source(hit.source, today, max_age_months)
        if Reason.unknown_status in verdict.reasons:
            return labels["caution_unknown"]
        if Reason.old_source in verdict.reasons and verdict.source_year:
            return labels["caution_old"].format(year=verdict.source_year)
        if Reason.undated in verdict.reasons:
            return labels["caution_undated"]
        return ""

    return note


def _route_slots(decision: RouteDecision, turn: Turn, plan: Plan) -> list[EventType]:
    status = c.ROUTE_DONE
    if decision.needs_location:
        status = c.ROUTE_NEED_LOCATION
    elif decision.needs_need:
        status = c.ROUTE_NEED_NEED
    events: list[EventType] = [SlotSet(c.SLOT_TOPIC, c.TOPIC_ROUTE), SlotSet(c.SLOT_ROUTE_STATUS, status)]
    if decision.location is not None:
        events.append(SlotSet(c.SLOT_LOCATION, decision.location.name))
    first = decision.stations[0] if decision.stations else None
    events.append(SlotSet(c.SLOT_STATION_TYPE, first.type.value if first else None))
    events.append(SlotSet(c.SLOT_STATION_ID, first.id if first else None))
    if turn.text and plan.kind == "route" and (turn.has_subject or not turn.last_question):
        events.append(SlotSet(c.SLOT_LAST_QUESTION, turn.text))
    return events


def route_to_station(
    dispatcher: CollectingDispatcher, turn: Turn, plan: Plan, vocab: Vocabulary, *, missed: bool
) -> list[EventType]:
    """Pick stations for the need, IP type and place of the plan, and show them."""
    texts: dict[str, Any] = resources.replies()
    try:
        directory = resources.get_knowledge()
    except RetrievalError as error:
        log.error("knowledge base failed to load: %s", error)
        send(dispatcher, Reply(texts["errors"]["knowledge"], fallback=True))
        return []
    words = tuple(w for n in plan.needs for w in vocab.needs.get(n, ()))
    query = RouteQuery(plan.needs, plan.ip_type, plan.location, relevance_words=words)
    decision = route(query, directory)
    reply = route_reply(
        decision, texts, resources.station_guide(), location_text=plan.location, missed=missed
    )
    if reply.text == turn.last_answer:  # asked again: point at the list instead of repeating it
        repeated = texts["route"]["repeated"]
        reply = Reply(repeated, reply.buttons, stations=reply.stations, sources=reply.sources)
    send(dispatcher, reply)
    return [*_route_slots(decision, turn, plan), SlotSet(c.SLOT_LAST_ANSWER, reply.text)]
