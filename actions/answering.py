"""Pure helpers for answers: pick the sentences that answer a question, describe their sources."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from retrieval.hits import Hit
from retrieval.normalize import normalize_text

_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
# Lines of a rendered entry that are metadata, not answer text (the citation covers the source).
SKIPPED_PREFIXES = ("相近问法：", "来源：")
STRIPPED_PREFIXES = ("答：",)
RANK_WEIGHTS = (1.0, 0.85, 0.7, 0.6, 0.5)
WHOLE_EXTRA = 60  # a curated answer may run this much longer than picked sentences
_DIGIT = re.compile(r"\d")
_PHONE = re.compile(r"(?<!\d)(?:0\d{2,3}-\d{7,8}|1[3-9]\d{9}|123\d{2})(?!\d)")
NUMBER_CUES = ("多少", "几", "比例", "目标", "最高", "上限", "金额", "标准", "占")
PHONE_CUES = ("电话", "联系方式", "号码", "热线", "怎么联系")
ADDRESS_CUES = ("地址", "在哪", "位置", "怎么去", "哪里")
CONDITION_CUES = ("条件", "资格", "要求", "谁可以", "哪些企业", "符合")
CONDITION_LABELS = ("适用对象：",)  # the record line saying who may apply (retrieval/entries.py)
DATE_CUES = ("哪天", "何时", "什么时候", "哪一年", "哪年", "日期", "时间", "几月", "多久")
_DATE = re.compile(r"\d{4}\s*年|\d{1,2}\s*月|\d{4}-\d{2}")


@dataclass(frozen=True)
class Picked:
    """One chosen sentence and the passage (hit rank) it came from."""

    passage: int
    position: int
    text: str
    score: float


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage, metadata lines dropped and answer labels stripped."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(SKIPPED_PREFIXES):
            continue
        for prefix in STRIPPED_PREFIXES:
            line = line.removeprefix(prefix)
        sentences.extend(m.group(0).strip() for m in _SENTENCE.finditer(line) if m.group(0).strip())
    return sentences


def _bigrams(text: str) -> set[str]:
    key = "".join(ch for ch in normalize_text(text) if ch.isalnum())
    return {key[i : i + 2] for i in range(len(key) - 1)}


def sentence_score(question: str, sentence: str) -> float:
    """Shared character bigrams, plus a bonus when the sentence holds what the question asks for."""
    score = float(len(_bigrams(question) & _bigrams(sentence)))
    if any(c in question for c in NUMBER_CUES) and _DIGIT.search(sentence):
        score += 2.0
    if any(c in question for c in PHONE_CUES) and _PHONE.search(sentence):
        score += 4.0
    if any(c in question for c in ADDRESS_CUES) and "地址" in sentence:
        score += 4.0
    if any(c in question for c in CONDITION_CUES) and sentence.startswith(CONDITION_LABELS):
        score += 4.0
    if any(c in question for c in DATE_CUES) and _DATE.search(sentence):
        score += 3.0
    return score


def select_sentences(
    question: str,
    passages: Sequence[str],
    max_sentences: int = 3,
    max_chars: int = 180,
    whole_first: bool = False,
    headings: Sequence[str] = (),
) -> list[Picked]:
    """The best sentences for the question from ranked passages, in reading order.

    Each sentence scores by overlap with the question, plus the overlap of its passage's heading
    when one is given (the plan's "二、基本原则" answers "有哪些基本原则" in sentences that do not
    repeat it), weighted down by its passage's rank;
    sentences far below the best one are left out, and the total stays under max_chars.
    With whole_first (the first passage is a curated answer), a best sentence from it brings
    the whole first passage when that fits in max_chars + 60: staff wrote it to be read whole.
    """
    candidates: list[Picked] = []
    asked = _bigrams(question)
    for rank, passage in enumerate(passages):
        weight = RANK_WEIGHTS[min(rank, len(RANK_WEIGHTS) - 1)]
        heading = len(asked & _bigrams(headings[rank])) if rank < len(headings) else 0
        for position, sentence in enumerate(split_sentences(passage)):
            score = (sentence_score(question, sentence) + heading) * weight
            candidates.append(Picked(rank, position, sentence, score))
    if not candidates:
        return []
    ranked = sorted(candidates, key=lambda p: (-p.score, p.passage, p.position))
    best = ranked[0]
    if best.score <= 0:
        return [_clip(next(c for c in candidates if c.passage == best.passage), max_chars)]
    first = [c for c in candidates if c.passage == 0]
    if whole_first and best.passage == 0 and sum(len(c.text) for c in first) <= max_chars + WHOLE_EXTRA:
        return first
    chosen: list[Picked] = []
    used = 0
    for pick in ranked:
        if len(chosen) >= max_sentences or pick.score < best.score * 0.5:
            break
        if chosen and used + len(pick.text) > max_chars:
            continue
        if any(_repeats(pick.text, c.text) for c in chosen):
            continue  # an FAQ and the plan often say the same thing: say it once
        chosen.append(_clip(pick, max_chars))
        used += len(pick.text)
    return sorted(chosen, key=lambda p: (p.passage, p.position))


def _repeats(sentence: str, other: str, threshold: float = 0.6) -> bool:
    """True when most of the shorter sentence's bigrams are in the other one."""
    a, b = _bigrams(sentence), _bigrams(other)
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= threshold


def _clip(pick: Picked, max_chars: int) -> Picked:
    if len(pick.text) <= max_chars:
        return pick
    return Picked(pick.passage, pick.position, pick.text[: max_chars - 1] + "…", pick.score)


def source_payload(hit: Hit, snippet: str) -> dict[str, Any]:
    """A citation object: what the source is and what was quoted; the gateway words it."""
    source = hit.source
    return {
        "title": source.title or hit.title,
        "number": source.number,
        "section": hit.section,
        "date": source.date,
        "status": source.status.value,
        "snippet": snippet,
        "url": source.url,
        "demo": bool(source.demo),
        "kind": hit.kind,
        "doc_id": hit.doc_id,
        "chunk_id": hit.chunk_id,
        "entry": hit.title,
    }


def combine_follow_up(previous: str, message: str, old_terms: Sequence[str], new_terms: Sequence[str]) -> str:
    """Turn an elliptical follow-up into a full question using the previous one.

    "那版权呢？" after "商标注册有补贴吗？" becomes "版权注册有补贴吗？" when the old question names
    an IP type (old_terms) and the new message names another (new_terms); otherwise the message
    is appended to the previous question ("…东部中心的电话是多少？ 在哪里？").
    """
    if not previous:
        return message
    for old in old_terms:
        if old in previous and new_terms:
            return previous.replace(old, new_terms[0], 1)
    return f"{previous} {message}"
