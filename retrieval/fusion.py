"""Pure fusion of lexical and dense candidate scores: weighted score fusion or weighted RRF."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

FusionMethod = Literal["score", "rrf"]


def min_max(scores: Mapping[int, float]) -> dict[int, float]:
    """Scale one query's candidate scores to [0, 1]; a single or flat list maps to 1.0."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high - low <= 1e-12:
        return {key: 1.0 for key in scores}
    return {key: (value - low) / (high - low) for key, value in scores.items()}


def _ranked(fused: Mapping[int, float]) -> list[tuple[int, float]]:
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def score_fusion(
    lexical: Mapping[int, float], dense: Mapping[int, float], dense_weight: float
) -> list[tuple[int, float]]:
    """w·minmax(dense) + (1−w)·minmax(lexical); a candidate missing from one list gets 0 there."""
    lex, den = min_max(lexical), min_max(dense)
    keys = set(lex) | set(den)
    fused = {k: dense_weight * den.get(k, 0.0) + (1 - dense_weight) * lex.get(k, 0.0) for k in keys}
    return _ranked(fused)


def _ranks(scores: Mapping[int, float]) -> dict[int, int]:
    return {key: rank for rank, (key, _) in enumerate(_ranked(scores), start=1)}


def rrf_fusion(
    lexical: Mapping[int, float], dense: Mapping[int, float], dense_weight: float, k: int = 60
) -> list[tuple[int, float]]:
    """Weighted reciprocal-rank fusion: Σ w_list / (k + rank), ranks from each list's scores."""
    lex, den = _ranks(lexical), _ranks(dense)
    keys = set(lex) | set(den)
    fused = {
        key: (dense_weight / (k + den[key]) if key in den else 0.0)
        + ((1 - dense_weight) / (k + lex[key]) if key in lex else 0.0)
        for key in keys
    }
    return _ranked(fused)


def fuse(
    lexical: Mapping[int, float],
    dense: Mapping[int, float],
    method: FusionMethod = "score",
    dense_weight: float = 0.5,
    rrf_k: int = 60,
) -> list[tuple[int, float]]:
    """Fuse two candidate lists ({row: score}) into one ranking, best first."""
    if method == "rrf":
        return rrf_fusion(lexical, dense, dense_weight, rrf_k)
    return score_fusion(lexical, dense, dense_weight)
