"""One decision per user turn: a pure function from what is known about the turn to one plan.

Rasa's rules send every message outside a form to `action_respond`, which reads the turn, searches,
and asks `plan_turn` what to do. Nothing else decides between answering, routing and falling back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from actions import constants as c
from actions.parsing import is_question
from actions.turn import Turn
from actions.vocabulary import Vocabulary, strip_punctuation
from retrieval.confidence import expand_english, mentions_domain
from retrieval.normalize import normalize_text

PlanKind = Literal[
    "act", "answer", "route", "answer_route", "no_answer_route", "fallback", "handover", "checkup"
]
Tier = Literal["certain", "closest", "none"]

# Intents that are dialogue acts: they win only when the message is nothing but the act.
ACT_INTENTS = frozenset(
    {c.GREET, c.GOODBYE, c.THANK, c.AFFIRM, c.DENY, c.BOT_CHALLENGE, c.FEEDBACK}
)
# These never apply to a message carrying a number, a question word or a contact word.
CLOSING_ACTS = frozenset({c.GOODBYE, c.THANK, c.FEEDBACK})
ACT_MAX_CHARS = 20
ACT_CUE_SHARE = 0.4  # at least this share of an act's characters are act words
CONTACT_WORDS = ("电话", "热线", "号码", "地址", "联系", "邮箱")
ACT_RESPONSES = {
    c.GREET: "utter_greet",
    c.GOODBYE: "utter_goodbye",
    c.THANK: "utter_you_are_welcome",
    c.AFFIRM: "utter_anything_else",
    c.DENY: "utter_anything_else",
    c.BOT_CHALLENGE: "utter_capabilities",
    c.FEEDBACK: "utter_feedback",
}


@dataclass(frozen=True)
class Evidence:
    """What retrieval says about one candidate question."""

    question: str
    tier: Tier
    top_kind: str | None = None  # document / rule / station / faq


@dataclass(frozen=True)
class Plan:
    """What this turn does; `reason` names the rule that decided (logged, asserted in tests)."""

    kind: PlanKind
    reason: str
    act: str | None = None  # the response of an act or of a declined message
    evidence: Evidence | None = None  # the question answered and its tier
    needs: tuple[str, ...] = ()  # what to route on
    ip_type: str | None = None
    location: str | None = None


def plan_turn(turn: Turn, vocab: Vocabulary, evidence: Sequence[Evidence]) -> Plan:
    """The one plan for a user message. `evidence` holds retrieval for each candidate question
    (the message alone first, then the message completed by the previous question)."""
    best = _trusted(turn, vocab, pick_evidence(turn, vocab, evidence))
    if turn.awaiting_location and turn.intent in (c.DENY, c.AFFIRM) and not turn.location_text:
        return Plan("act", "no place given", act="utter_location_skipped")
    if _wants_person(turn, vocab):
        return Plan("handover", "asks for a person")
    if _wants_checkup(turn, vocab):
        return Plan("checkup", "asks for the check-up")
    act = _act(turn, vocab, best)
    if act is not None:
        return Plan("act", f"pure {act}", act=ACT_RESPONSES[act])
    needs, ip_type = turn.context_needs, turn.context_ip_type
    text = turn.text
    answerable = best is not None and best.tier != "none"
    certain = best is not None and best.tier == "certain"
    subject_known = bool(needs or ip_type)
    elliptical = _elliptical(turn, vocab)

    if turn.awaiting_location and turn.location_text and not turn.has_subject:
        return _plan("route", "place given as asked", turn)
    if turn.topic == c.TOPIC_ROUTE and elliptical and turn.has_subject:
        return _plan("route", "follow-up on a route", turn)
    if vocab.has_place_cue(text) and (_ip_context(turn, vocab) or _bare_where(turn, vocab)):
        if _own_subject(turn):
            if certain and best is not None and best.top_kind != "station":
                return _plan("answer_route", "asks where, and the knowledge answers", turn, best)
            return _plan("route", "asks where to go", turn)
        if certain and best is not None and best.question == text and not elliptical and not turn.needs:
            return _plan("answer", "asks where a named body is", turn, best)
        if subject_known:
            return _plan("route", "asks where for the subject so far", turn)
        if certain and best is not None and any(cue in text.lower() for cue in WHERE_IS):
            return _plan("answer", "asks where the thing just discussed is", turn, best)
        if (not answerable or vocab.is_follow_up(text)) and _may_route(turn, vocab):
            return _plan("route", "asks where, need unknown", turn)
    if turn.location_text and not subject_known and _asks_about_place(turn, vocab, best):
        return _plan("answer", "asks about a place", turn, best)
    if turn.location_text and not is_question(text):
        return _plan("route", "place given", turn)
    if turn.location_text and subject_known and _ip_context(turn, vocab):
        return _plan("route", "place given for a need", turn)
    if answerable and best is not None:
        if turn.has_subject and vocab.asks_for_offer(text):
            return _plan("answer_route", "asks whether a channel exists", turn, best)
        if turn.has_subject and not is_question(text):
            if _states_need(text, vocab) and not (certain and best.top_kind in ("rule", "faq")):
                return _plan("route", "states a need", turn)
            return _plan("answer_route", "a need in keywords or a statement", turn, best)
        return _plan("answer", f"{best.tier} answer", turn, best)
    if text == "" and subject_known:
        return _plan("route", "a need from a button", turn)
    if turn.has_subject and (_is_ip_text(turn, vocab) or turn.topic is not None):
        if not is_question(text):
            return _plan("route", "need without a question", turn)
        return _plan("no_answer_route", "IP question the knowledge does not answer", turn)
    if text == "" and turn.intent == c.FIND_STATION:
        return _plan("route", "asks where, need unknown", turn)
    return Plan("fallback", "nothing to answer", act=_fallback_response(turn, vocab))


def _plan(kind: PlanKind, reason: str, turn: Turn, evidence: Evidence | None = None) -> Plan:
    """A plan that answers and/or routes on the need, IP type and place known so far."""
    return Plan(
        kind,
        reason,
        evidence=evidence,
        needs=turn.context_needs,
        ip_type=turn.context_ip_type,
        location=turn.context_location,
    )


def pick_evidence(turn: Turn, vocab: Vocabulary, evidence: Sequence[Evidence]) -> Evidence | None:
    """The candidate to answer from. A message that leans on the last question ("质押融资总额呢",
    "具体多少钱", "要准备哪些材料") is answered from the completed question unless the message alone
    is surer; one that asks its own question ("那商标可以质押吗") the other way round."""
    if not evidence:
        return None
    alone, completed = evidence[0], (evidence[1] if len(evidence) > 1 else None)
    if completed is None:
        return alone
    rank = {"certain": 2, "closest": 1, "none": 0}
    leaning = not _own_subject(turn) or (vocab.is_follow_up(turn.text) and not is_question(turn.text))
    if leaning:
        return alone if rank[alone.tier] > rank[completed.tier] else completed
    return completed if rank[completed.tier] > rank[alone.tier] else alone


WHERE_IS = ("在哪", "哪里", "地址", "位置", "where")  # where a thing is, not who handles a need
QUESTION_INTENTS = frozenset({c.ASK_QUESTION, c.FIND_STATION, c.INFORM, c.NLU_FALLBACK})


def _trusted(turn: Turn, vocab: Vocabulary, best: Evidence | None) -> Evidence | None:
    """A closest match for words without anything of IP is an answer only to a question that NLU
    takes for one too (a bare "12345" matches the hotline's entry, "中考 政策 2025" a plan target)."""
    if best is None or best.tier != "closest" or _is_ip_text(turn, vocab):
        return best
    if turn.intent in QUESTION_INTENTS and is_question(turn.text):
        return best
    return Evidence(best.question, "none", best.top_kind)


def _asks_about_place(turn: Turn, vocab: Vocabulary, best: Evidence | None) -> bool:
    """"环同济知识经济圈 面积": words about the place beside its name, answered for sure by the
    knowledge (not by a station's record); "我们公司在长阳创谷" only says where the enterprise is."""
    if best is None or best.tier != "certain" or best.question != turn.text or best.top_kind == "station":
        return False
    return not vocab.says_only_where(turn.place_rest)


def _elliptical(turn: Turn, vocab: Vocabulary) -> bool:
    """A short message that continues the last turn ("那版权呢？", "具体多少钱", "去哪里办")."""
    return bool(turn.last_question) and vocab.is_follow_up(turn.text)


def _wants_person(turn: Turn, vocab: Vocabulary) -> bool:
    """The 转人工 button, words asking for a person, or NLU's request_human for a message that asks
    no question of its own ("怎么联系他们" is a question about a body)."""
    if turn.intent == c.REQUEST_HUMAN and (turn.text == "" or not is_question(turn.text)):
        return True
    return vocab.wants_person(turn.text) and not _own_subject(turn)


def _wants_checkup(turn: Turn, vocab: Vocabulary) -> bool:
    """The 知识产权体检 button, or NLU's start_checkup for words naming it or about IP: the intent
    alone also catches "核酸 检测点"."""
    if turn.intent != c.START_CHECKUP:
        return False
    return turn.text == "" or vocab.wants_checkup(turn.text) or _is_ip_text(turn, vocab)


def _states_need(text: str, vocab: Vocabulary) -> bool:
    """"我想申请专利资助", "专利被仿冒了，想维权": the enterprise says what it wants, not asks."""
    key = normalize_text(text)
    return not is_question(key) and any(cue in key for cue in vocab.intent_cues)


def _own_subject(turn: Turn) -> bool:
    """The message names what it is about (an IP type or a need beyond "咨询")."""
    return bool(turn.ip_types or set(turn.needs) - {"咨询"})


def _may_route(turn: Turn, vocab: Vocabulary) -> bool:
    """A where-question without a need is routed (asking the need) only when it is about IP, or is
    a bare "去哪里办" that NLU takes for one; not "上海哪里能看樱花"."""
    return _is_ip_text(turn, vocab) or _bare_where(turn, vocab)


def _bare_where(turn: Turn, vocab: Vocabulary) -> bool:
    return turn.intent == c.FIND_STATION and vocab.is_follow_up(turn.text)


def _ip_context(turn: Turn, vocab: Vocabulary) -> bool:
    """The message uses IP words, or the conversation is already about IP: everyday needs such as
    登记, 纠纷, 贷款 ("结婚登记去哪办", "劳动合同纠纷去哪仲裁") are routed only then."""
    return _is_ip_text(turn, vocab) or turn.topic is not None


def _fallback_response(turn: Turn, vocab: Vocabulary) -> str | None:
    """None: the honest "no reliable answer" reply; else the response declining a non-IP message."""
    if _is_ip_text(turn, vocab):
        return None
    return "utter_chitchat" if turn.intent == c.CHITCHAT else "utter_out_of_scope"


def _is_ip_text(turn: Turn, vocab: Vocabulary) -> bool:
    """Words of intellectual property, not only everyday ones that also name needs (申请, 贷款, 投诉)."""
    return bool(turn.ip_types) or mentions_domain(expand_english(normalize_text(turn.text)))


def text_is_off_topic(turn: Turn, vocab: Vocabulary) -> bool:
    """NLU calls it out of scope and the words hold nothing of intellectual property."""
    return turn.intent in (c.OUT_OF_SCOPE, c.CHITCHAT) and not _is_ip_text(turn, vocab)


def _act(turn: Turn, vocab: Vocabulary, best: Evidence | None) -> str | None:
    """The dialogue act the message is, or None when it carries content."""
    intent = turn.intent
    if intent not in ACT_INTENTS:
        return None
    if turn.text == "":  # a button sent the intent itself (/affirm)
        return intent
    key = normalize_text(turn.text)
    bare = strip_punctuation(key)
    if not bare or len(bare) > ACT_MAX_CHARS or turn.has_subject or turn.location_text:
        return None
    if mentions_domain(key) or (best is not None and best.tier == "certain"):
        return None
    if intent in CLOSING_ACTS and (
        any(ch.isdigit() for ch in bare) or is_question(key) or any(w in key for w in CONTACT_WORDS)
    ):
        return None
    has_cue = any(cue in key for cue in vocab.act_cues.get(intent, ()))
    if not has_cue or _cue_share(bare, vocab) < ACT_CUE_SHARE:
        return None  # gibberish and English questions land on acts with full confidence
    return intent


def _cue_share(bare: str, vocab: Vocabulary) -> float:
    """The share of the message's characters that act words account for ("嗯嗯额额哦哦": a third)."""
    covered = [False] * len(bare)
    for cue in {w for words in vocab.act_cues.values() for w in words}:
        start = bare.find(cue)
        while start >= 0:
            covered[start : start + len(cue)] = [True] * len(cue)
            start = bare.find(cue, start + 1)
    return sum(covered) / len(bare)
