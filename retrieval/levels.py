"""Levels of government: the one a question names, and ranking passages of that level first."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import yaml

from retrieval.normalize import normalize_text

LEVELS_FILE = Path(__file__).parent / "data" / "levels.yml"
T = TypeVar("T")


@lru_cache(maxsize=1)
def level_cues() -> dict[str, tuple[str, ...]]:
    """Each level with the words that name it (retrieval/data/levels.yml)."""
    raw = yaml.safe_load(LEVELS_FILE.read_text(encoding="utf-8"))
    return {str(level): tuple(normalize_text(str(w)) for w in words) for level, words in raw.items()}


def asked_level(text: str) -> str:
    """The one level of government the text names ("市里" → 上海市), "" for none or several."""
    key = normalize_text(text)
    named = [level for level, cues in level_cues().items() if any(cue in key for cue in cues)]
    return named[0] if len(named) == 1 else ""


def other_level(level: str, asked: str) -> bool:
    """A passage of a known level other than the one asked."""
    return bool(asked and level and level != asked)


def asked_level_first(
    ranked: Sequence[tuple[T, float]], levels: Sequence[str], asked: str, share: float
) -> list[tuple[T, float]]:
    """Among the passages scored at least `share` of the best: those of the asked level first,
    then those of no level, then those of another; lower passages keep their place."""
    if not asked or not ranked:
        return list(ranked)
    floor = ranked[0][1] * share
    close = [i for i, (_, score) in enumerate(ranked) if score >= floor]
    moved = sorted(close, key=lambda i: (levels[i] != asked, other_level(levels[i], asked)))
    return [ranked[i] for i in moved] + [ranked[i] for i in range(len(close), len(ranked))]
