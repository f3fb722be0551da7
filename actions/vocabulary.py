"""Finds IP types, needs and follow-up cues in a user's message from actions/data/vocabulary.yml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from retrieval.levels import asked_level
from retrieval.normalize import normalize_text

_WHICH_TIME = re.compile(r"哪(?:一|个)?(?:年|天|月|日|时候|阶段)")  # 哪一年, 哪天: when, not where

VOCABULARY_FILE = Path(__file__).parent / "data" / "vocabulary.yml"
_MASK = "\u0000"
_CLAUSE = re.compile(r"[，,。；;！!？?\s]+")
OVERSEAS = "海外"  # a place of the dispute, relevant whichever clause names it
GENERAL = "咨询"  # "where do I ask": no need of its own
# "不想打官司" names no need: a negation and the few characters after it are not read for needs
_NEGATED = re.compile(r"(?:不想|不要|不愿意?|不打算|不准备|别)[^，,。；;\s]{0,4}")


class VocabularyError(ValueError):
    """actions/data/vocabulary.yml does not have the expected shape."""


@dataclass(frozen=True)
class Vocabulary:
    """Canonical values with the words that mean them, and the cue phrases of the dialogue."""

    ip_types: dict[str, tuple[str, ...]]
    needs: dict[str, tuple[str, ...]]
    place_cues: tuple[str, ...]
    follow_up_starts: tuple[str, ...]
    follow_up_ends: tuple[str, ...]
    follow_up_max_chars: int
    offer_asks: tuple[str, ...] = ()
    offer_objects: tuple[str, ...] = ()
    intent_cues: tuple[str, ...] = ()
    how_cues: tuple[str, ...] = ()
    handover_cues: tuple[str, ...] = ()
    checkup_cues: tuple[str, ...] = ()
    place_statement: tuple[str, ...] = ()
    need_verbs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    act_cues: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def find_ip_types(self, text: str) -> list[str]:
        """Canonical IP types named in text, in order of appearance."""
        return find_terms(self.ip_types, text)

    def find_needs(self, text: str) -> list[str]:
        """Canonical needs named in text, in order of appearance; a need verb ("申请") counts only
        with an IP type and no other need."""
        found = find_terms(self.needs, text)
        if set(found) - {GENERAL} or not self.find_ip_types(text):
            return found
        return [*found, *(n for n in find_terms(self.need_verbs, text) if n not in found)]

    def find_focus_needs(self, text: str) -> list[str]:
        """The needs of the last clause that names any, which is what the enterprise asks for
        ("图案被人抄了，我们想先登记版权，去哪里办" is a registration); 海外 counts from anywhere."""
        clauses = [_NEGATED.sub(" ", c) for c in _CLAUSE.split(normalize_text(text)) if c]
        found = [needs for needs in (self.find_needs(c) for c in reversed(clauses)) if needs]
        # "应该找哪个部门" only asks where: the need is in the clause before it
        strong = [needs for needs in found if set(needs) - {GENERAL}]
        focus = list((strong or found or [[]])[0])
        if OVERSEAS in self.find_needs(text) and OVERSEAS not in focus:
            focus.append(OVERSEAS)
        return focus

    def canonical_ip_type(self, value: str | None) -> str | None:
        """Map an entity value (or any text) to a canonical IP type, None if it names none."""
        found = self.find_ip_types(value or "")
        return found[0] if found else None

    def canonical_need(self, value: str | None) -> str | None:
        """Map an entity value (or any text) to a canonical need, None if it names none."""
        found = self.find_needs(value or "")
        return found[0] if found else None

    def has_place_cue(self, text: str) -> bool:
        """True when text asks where to go or whom to turn to ("最晚到哪一年" asks when)."""
        key = _WHICH_TIME.sub("", normalize_text(text))
        return any(cue in key for cue in self.place_cues)

    def asks_for_offer(self, text: str) -> bool:
        """True for "有没有…渠道/平台/政策…": whether something exists, and so who offers it."""
        key = normalize_text(text)
        asks = any(a in key for a in self.offer_asks) or ("有" in key and key.rstrip("?？ ").endswith("吗"))
        return asks and any(o in key for o in self.offer_objects)

    def wants_person(self, text: str) -> bool:
        """True when the message asks for a person ("转人工", "让工作人员联系我")."""
        key = normalize_text(text)
        return any(cue in key for cue in self.handover_cues)

    def wants_checkup(self, text: str) -> bool:
        """True when the message names the 知识产权体检 ("体检", "帮我诊断一下")."""
        key = normalize_text(text)
        return any(cue in key for cue in self.checkup_cues)

    def says_only_where(self, rest: str) -> bool:
        """True when the words around a place name only say the enterprise is there."""
        key = strip_punctuation(normalize_text(rest))
        for word in sorted(self.place_statement, key=len, reverse=True):
            key = key.replace(word, "")
        return not key.strip()

    def asked_level(self, text: str) -> str:
        """The one level of government the text names ("市里" → 上海市), "" for none or several."""
        return asked_level(text)

    def asks_how(self, text: str) -> bool:
        """True when the message asks how, how much or what is needed, not only where."""
        key = normalize_text(text)
        return any(cue in key for cue in self.how_cues)

    def is_follow_up(self, text: str) -> bool:
        """True for a short message that continues the previous turn ("那版权呢？", "在哪里？")."""
        key = strip_punctuation(normalize_text(text))
        if not key or len(key) > self.follow_up_max_chars:
            return False
        if key.startswith(self.follow_up_starts) or key.endswith(self.follow_up_ends):
            return True
        return not self.find_needs(key) and len(key) <= self.follow_up_max_chars // 2


def strip_punctuation(text: str) -> str:
    """Drop spaces and punctuation (ASCII and CJK) from text."""
    return "".join(ch for ch in text if ch.isalnum())


def find_terms(groups: dict[str, tuple[str, ...]], text: str) -> list[str]:
    """Canonical keys whose words occur in text; longer words win, so 被起诉 hides 起诉."""
    key = normalize_text(text)
    words = sorted(
        ((word, canonical) for canonical, ws in groups.items() for word in ws),
        key=lambda item: -len(item[0]),
    )
    positions: dict[str, int] = {}
    for word, canonical in words:
        start = key.find(word)
        while start >= 0:
            positions[canonical] = min(positions.get(canonical, start), start)
            key = key[:start] + _MASK * len(word) + key[start + len(word) :]
            start = key.find(word, start + len(word))
    return sorted(positions, key=lambda canonical: positions[canonical])


def _words(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise VocabularyError(f"{VOCABULARY_FILE}: expected a list of words, got {raw!r}")
    return tuple(normalize_text(str(word)) for word in raw)


def _groups(raw: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise VocabularyError(f"{VOCABULARY_FILE}: expected a mapping of canonical values")
    return {str(canonical): _words(words) for canonical, words in raw.items()}


def load_vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    """Read and normalise the vocabulary file."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    follow_up = raw["follow_up"]
    return Vocabulary(
        ip_types=_groups(raw["ip_type"]),
        needs=_groups(raw["need"]),
        place_cues=_words(raw["place_cues"]),
        follow_up_starts=_words(follow_up["starts"]),
        follow_up_ends=_words(follow_up["ends"]),
        follow_up_max_chars=int(follow_up["max_chars"]),
        offer_asks=_words(raw["offer"]["asks"]),
        offer_objects=_words(raw["offer"]["objects"]),
        intent_cues=_words(raw["intent_cues"]),
        how_cues=_words(raw["how_cues"]),
        handover_cues=_words(raw["handover_cues"]),
        checkup_cues=_words(raw["checkup_cues"]),
        act_cues=_groups(raw["acts"]),
        place_statement=_words(raw["place_statement"]),
        need_verbs=_groups(raw["need_verbs"]),
    )


@lru_cache(maxsize=1)
def get_vocabulary() -> Vocabulary:
    """The process-wide vocabulary (read once)."""
    return load_vocabulary()
