"""Homophone typos of the knowledge base's own terms: "版全登记" → "版权登记", "技之融" → "技知融".

Pinyin input makes the wrong character with the right sound the commonest typo in Chinese. A span
of the query is replaced by a term when both read the same (toneless pinyin, any reading of a
character), at least half of their characters agree, the span is not itself a word of jieba's
dictionary (so "权力" is never turned into "权利"), and it starts and ends where jieba cuts the
query (so "识产" inside "知识产权" is never taken for "知产").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from retrieval import han_readings

MIN_TERM = 2
MAX_TERM = 8


def readings(char: str) -> frozenset[str]:
    """Toneless pinyin readings of one Han character (empty for anything else)."""
    return han_readings.load().get(char, frozenset())


@dataclass(frozen=True)
class _Term:
    text: str
    sounds: tuple[frozenset[str], ...]


def _sounds_alike(span: str, term: _Term) -> bool:
    return all(readings(ch) & sound for ch, sound in zip(span, term.sounds, strict=True))


class TermSpeller:
    """Corrects spans that sound like one of `terms`; `is_word` says a span is a real word and
    `cut` segments a text into words."""

    def __init__(
        self, terms: Iterable[str], is_word: Callable[[str], bool], cut: Callable[[str], Iterable[str]]
    ) -> None:
        by_length: dict[int, list[_Term]] = {}
        for text in sorted(set(terms)):
            if MIN_TERM <= len(text) <= MAX_TERM and all(readings(ch) for ch in text):
                by_length.setdefault(len(text), []).append(_Term(text, tuple(readings(ch) for ch in text)))
        self._lengths = sorted(by_length, reverse=True)
        self._by_length = by_length
        self._is_word = is_word
        self._cut = cut

    def correct(self, text: str) -> str:
        """The text with every misspelt term replaced, longest terms first; otherwise unchanged."""
        bounds, offset = {0}, 0
        for word in self._cut(text):
            offset += len(word)
            bounds.add(offset)
        chars, taken = list(text), [False] * len(text)
        for length in self._lengths:
            for start in sorted(bounds):
                end = start + length
                if end not in bounds or any(taken[start:end]):
                    continue
                term = self._match(text[start:end])
                if term is not None:
                    chars[start:end] = term
                    taken[start:end] = [True] * length
        return "".join(chars)

    def _match(self, span: str) -> str | None:
        for term in self._by_length[len(span)]:
            same = sum(a == b for a, b in zip(span, term.text, strict=True))
            if same == len(span) or 2 * same < len(span):
                continue
            if _sounds_alike(span, term) and not self._is_word(span):
                return term.text
        return None
