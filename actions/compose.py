"""Builds answers and routes as channel-neutral replies (parts, citation and station objects) from data
templates; the gateway renders them once per channel (service/present/)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from actions.answering import Picked, select_sentences, source_payload, split_sentences
from actions.routing import RouteDecision
from retrieval.entries import station_source
from retrieval.hits import Hit
from retrieval.schema import Station, StationType

END_MARKS = "。！？!?；;…"
ANSWER_HITS = 3
ANSWER_SCORE_SHARE = 0.5  # of the best hit's score, for a further hit to be quoted
_LEVEL = re.compile(r"类别：[^\n]*（([^（）\n]+)）")
RECORD_KINDS = ("station", "rule")  # entries kept as "标签：值" records
# Record lines that are not answer text: the citation and the card carry them.
SKIPPED_LABELS = frozenset({"来源", "演示数据", "类别", "服务范围", "依据"})


@dataclass(frozen=True)
class Reply:
    """One bot message in channel-neutral parts. Citations and station details are objects, never
    text: the gateway words and draws them (service/present/), once per channel."""

    body: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    lead: str = ""  # said before the body: the closest-match marker, a route's introduction
    notes: list[str] = field(default_factory=list)  # said after: cautions, what to bring, a question back
    sources: list[dict[str, Any]] = field(default_factory=list)
    stations: list[dict[str, Any]] = field(default_factory=list)
    tier: str = ""  # certain / closest / none; "" for replies that are not answers
    fallback: bool = False
    related: list[str] = field(default_factory=list)  # questions the user may ask next

    @property
    def text(self) -> str:
        """What the bot says in words (the tracker's text); the stations' names tell lists apart."""
        names = "、".join(str(s["name"]) for s in self.stations)
        return "\n".join(part for part in (self.lead, self.body, names, *self.notes) if part)

    def payload(self) -> dict[str, Any]:
        """The custom JSON the gateway reads (service/chat.py)."""
        parts = {"lead": self.lead, "body": self.body, "notes": self.notes, "sources": self.sources}
        reply = {**parts, "stations": self.stations, "tier": self.tier, "related": self.related}
        return {"reply": reply, "fallback": self.fallback}


def answer_reply(
    question: str,
    hits: Sequence[Hit],
    texts: dict[str, Any],
    *,
    tentative: bool = False,
    skip: str = "",
    clauses: bool = False,
    level: str = "",
    caution: Callable[[Hit], str] | None = None,
) -> Reply:
    """A short answer from the best sentences of the top hits, with the sources it quotes.

    A tentative answer (the closest passage, not a close match) says so before the text.
    Sentences contained in `skip` (the previous answer) are left out; with `clauses`, the parts of
    sentences between commas are picked instead of whole sentences; `level` is the level of
    government the question names. `caution` gives a hit's line
    on how sure the knowledge is ("" when none is due); one line is added as a note, and kept with its source.
    """
    labels = texts["answer"]
    top = answering_hits(hits, level)
    passages = [passage_text(h) for h in top]
    if clauses:  # quote only the clauses asked about, each as a sentence
        passages = [p.replace("，", "\n") for p in passages]
    if skip:
        passages = ["".join(s for s in split_sentences(p) if s not in skip) for p in passages]
    headings = [heading_of(h) if h.doc_id == top[0].doc_id else "" for h in top]
    whole = top[0].kind == "faq" and not skip
    picks = select_sentences(question, passages, whole_first=whole, headings=headings)
    if not picks:
        return Reply(skip)
    picks = with_standard(picks, top, passages)
    used = sorted({p.passage for p in picks})
    answer = "".join(_passage_answer(top[i], [p for p in picks if p.passage == i], labels) for i in used)
    cautions = {i: caution(top[i]) if caution else "" for i in used}
    notes = list(dict.fromkeys(c for c in cautions.values() if c))
    sources = [
        {**source_payload(top[i], "".join(p.text for p in picks if p.passage == i)), "caution": cautions[i]}
        for i in used
    ]
    return Reply(
        answer,
        list(labels["follow_up_buttons"]),
        lead=labels["tentative_lead"] if tentative else "",
        notes=notes[:1],
        sources=sources,
        tier="closest" if tentative else "certain",
        related=related_questions(hits, {top[i].doc_id for i in used}),
    )


RELATED = 3
RELATED_KINDS = ("faq", "rule")  # entries whose titles read as questions or topics


def related_questions(hits: Sequence[Hit], quoted: set[str]) -> list[str]:
    """Up to three FAQ questions and policy entries among the hits that the answer did not quote,
    FAQs first: what the user may ask next, as the knowledge base names it."""
    unquoted = [h for h in hits if h.kind in RELATED_KINDS and h.doc_id not in quoted]
    unquoted.sort(key=lambda h: RELATED_KINDS.index(h.kind))
    return list(dict.fromkeys(h.title for h in unquoted))[:RELATED]


STANDARD_LABEL = "标准与上限："  # a subsidy rule's amount line: said whenever the rule is


def with_standard(picks: Sequence[Picked], top: Sequence[Hit], passages: Sequence[str]) -> list[Picked]:
    """Picks plus the standard-and-cap line of every rule they quote: an answer about a subsidy
    always says how much, as far as the knowledge knows."""
    out = list(picks)
    for i in sorted({p.passage for p in picks}):
        if top[i].kind != "rule" or any(p.text.startswith(STANDARD_LABEL) for p in out if p.passage == i):
            continue
        lines = split_sentences(passages[i])
        for position, line in enumerate(lines):
            if line.startswith(STANDARD_LABEL):
                out.append(Picked(i, position, line, 0.0))
    return sorted(out, key=lambda p: (p.passage, p.position))


def _passage_answer(hit: Hit, picks: Sequence[Picked], labels: dict[str, str]) -> str:
    """The picked sentences of one passage, a record's subject named first."""
    said = "".join(p.text if p.text.endswith(tuple(END_MARKS)) else p.text + "。" for p in picks)
    if hit.kind in RECORD_KINDS:
        return labels["record_subject"].format(subject=subject_of(hit)) + said
    return said


def answering_hits(hits: Sequence[Hit], level: str = "") -> list[Hit]:
    """The hits an answer may quote: the best, and the next ones scored close to it (a passage
    far below the best shares words with the question, not its subject). When the question names
    a level of government ("市里有资助吗"), rules of other levels go after everything else."""
    if not hits:
        return []
    floor = hits[0].score * ANSWER_SCORE_SHARE
    close = [h for h in hits if h.score >= floor]
    if level:  # rules of another level go last; the order is kept otherwise
        close.sort(key=lambda h: level_of(h) not in ("", level))
    return close[:ANSWER_HITS]


def heading_of(hit: Hit) -> str:
    """What a passage is about: a document's section, an entry's title. Only the best entry's
    headings count when sentences are picked (a lower entry's title is not the question's subject)."""
    return hit.section if hit.kind == "document" else hit.title


def level_of(hit: Hit) -> str:
    """The level of government of a rule or FAQ passage (the index carries it; a rule's "类别：…（上海市）"
    line for an index built before it did), else ""."""
    found = _LEVEL.search(hit.body) if hit.kind == "rule" and not hit.level else None
    return hit.level or (found.group(1) if found else "")


def passage_text(hit: Hit) -> str:
    """The hit's body as sentences: a station's or rule's "标签：值" lines become "标签：值。"
    (metadata lines dropped); `answer_reply` names the subject once before them."""
    if hit.kind not in RECORD_KINDS:
        return hit.body
    lines = []
    for line in hit.body.splitlines():
        label, sep, value = line.partition("：")
        if sep and label not in SKIPPED_LABELS:
            lines.append(f"{label}：{value.rstrip('。；; ')}。")
    return "\n".join(lines)


def subject_of(hit: Hit) -> str:
    """What a record passage is about, for "关于…：" before its sentences."""
    return hit.title.split("（")[0]


def no_answer_reply(texts: dict[str, Any]) -> Reply:
    """The honest 'the knowledge base has no answer' reply, offering the centre and a human."""
    labels = texts["no_answer"]
    return Reply(labels["text"].strip(), list(labels["buttons"]), tier="none", fallback=True)


def station_source_payload(station: Station) -> dict[str, Any]:
    """The `sources` entry of a listed station: where its details come from."""
    source = station_source(station)
    return {
        "title": source.title,
        "number": "",
        "section": station.name,
        "date": source.date,
        "status": source.status.value,
        "snippet": "、".join(station.services),
        "url": source.url,
        "demo": station.demo,
        "kind": "station",
        "doc_id": station.id,
    }


def station_payload(station: Station) -> dict[str, Any]:
    """The `stations` entry: contact fields stay empty when no source gives them."""
    return {
        "id": station.id,
        "type": station.type.value,
        "type_label": station.type.label,
        "name": station.name,
        "address": station.address,
        "phone": station.phone,
        "hours": station.hours,
        "demo": station.demo,
    }


def _intro(decision: RouteDecision, location_text: str | None, labels: dict[str, str]) -> str:
    if decision.location_status == "unknown":
        return labels["intro_unknown_location"].format(place=location_text or "")
    if decision.missing_type:
        return labels["intro_missing_type"]
    types = "、".join(t.label for t in decision.station_types)
    return labels["intro"].format(types=types)


def _notes(decision: RouteDecision, labels: dict[str, str], guide: dict[str, dict[str, str]]) -> list[str]:
    notes: list[str] = []
    place = decision.location.name if decision.location else ""
    if decision.location_status == "resolved":
        notes.append(labels["filtered"].format(place=place))
    elif decision.location_status == "unserved":
        notes.append(labels["unserved"].format(place=place))
    primary = decision.stations[0].type if decision.stations else None
    if primary and primary.value in guide:
        notes.append(labels["guide"].format(**guide[primary.value]))
    if any(not s.phone for s in decision.stations):
        only_centre = all(s.type == StationType.service_center for s in decision.stations)
        notes.append(labels["no_contact_note_service_center" if only_centre else "no_contact_note"])
    if any(s.demo for s in decision.stations):
        notes.append(labels["demo_note"])
    return notes


def route_reply(
    decision: RouteDecision,
    texts: dict[str, Any],
    guide: dict[str, dict[str, str]],
    *,
    location_text: str | None = None,
    missed: bool = False,
) -> Reply:
    """The station list with what to ask and bring; asks for the place or the need when missing.

    `missed`: the question itself has no answer in the knowledge base, and the reply says so first.
    """
    labels = texts["route"]
    if not decision.stations:
        return Reply(labels["nothing"], list(labels["buttons"]), fallback=True)
    lead = [labels["missed"]] if missed else []
    lead.append(_intro(decision, location_text, labels))
    notes = _notes(decision, labels, guide)
    buttons = list(labels["buttons"])
    if decision.needs_location:
        notes.append(labels["ask_location"])
        buttons = list(labels["location_buttons"]) + buttons
    if decision.needs_need:
        notes.append(labels["ask_need"])
        buttons = list(labels["need_buttons"]) + buttons
    return Reply(
        "",
        buttons,
        lead="\n".join(lead),
        notes=notes,
        sources=[station_source_payload(s) for s in decision.stations],
        stations=[station_payload(s) for s in decision.stations],
        tier="none" if missed else "",
        fallback=missed,
    )
