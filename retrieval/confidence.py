"""The answerable decision: pure thresholds over dense cosine and lexical coverage."""

from __future__ import annotations

import re

from retrieval.hits import Signals

_HAN = re.compile(r"[\u4e00-\u9fff]")


def has_chinese(text: str) -> bool:
    """True if text contains a CJK unified ideograph."""
    return bool(_HAN.search(text))


def is_answerable(
    signals: Signals,
    strong_cosine: float,
    min_coverage: float,
    floor_cosine: float,
    foreign_cosine: float,
) -> bool:
    """Answerable when the best passage is very close in meaning; otherwise a Chinese question
    needs most of its (IDF-weighted) words in a top passage, and a question in another
    language (no lexical evidence against a Chinese corpus) a higher cosine."""
    if signals.top_cosine >= strong_cosine:
        return True
    if signals.chinese:
        return signals.coverage >= min_coverage and signals.top_cosine >= floor_cosine
    return signals.top_cosine >= foreign_cosine
