"""`action_answer_question`: answer from the index with a citation (routing too when asked)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.respond import answer, route_to_station
from actions.turn import answer_action_kind, read_turn
from actions.vocabulary import get_vocabulary
from retrieval.errors import RetrievalError
from retrieval.knowledge import KnowledgeBase


def directory_or_none() -> KnowledgeBase | None:
    """The station directory for reading places, or None while the knowledge base is broken."""
    try:
        return resources.get_knowledge()
    except RetrievalError:
        return None


class ActionAnswerQuestion(Action):
    """Short answer from the best sentences of the top hits, with sources; honest when unsure."""

    def name(self) -> str:
        return c.ACTION_ANSWER_QUESTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        vocab = get_vocabulary()
        turn = read_turn(tracker, vocab, directory_or_none())
        kind = answer_action_kind(turn, vocab)
        if kind == "route":
            return route_to_station(dispatcher, turn, vocab, ask_location=True)
        if kind == "both":
            _, events = answer(dispatcher, turn, vocab, quiet_miss=True)
            return events + route_to_station(dispatcher, turn, vocab, ask_location=True)
        _, events = answer(dispatcher, turn, vocab)
        return events
