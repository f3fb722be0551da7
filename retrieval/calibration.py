"""Calibrated abstention: a small logistic model over retrieval signals gives three answer tiers.

The model is fit by `python -m retrieval calibrate` on the tune half of the evaluation corpus and
stored as readable JSON (`retrieval/data/answer_model.json`): feature names, standardisation,
weights and the two thresholds picked on the tune half's precision/recall curve.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from retrieval.errors import RetrievalError
from retrieval.hits import Signals

Tier = Literal["certain", "closest", "none"]
MODEL_FILE = Path(__file__).parent / "data" / "answer_model.json"
FEATURES = (
    "top_cosine_chinese",  # cosine means different things with and without lexical evidence
    "top_cosine_foreign",
    "cosine_margin",
    "coverage",
    "bm25_top",
    "domain",
    "chinese",
    "length",
)


class AnswerModelError(RetrievalError):
    """The answer model file is missing or does not have the expected shape."""


def features(signals: Signals) -> list[float]:
    """The model's inputs, in FEATURES order."""
    chinese = float(signals.chinese)
    return [
        signals.top_cosine * chinese,
        signals.top_cosine * (1.0 - chinese),
        signals.cosine_margin,
        signals.coverage,
        math.log1p(max(signals.bm25_top, 0.0)),
        float(signals.domain),
        float(signals.chinese),
        math.log1p(signals.length),
    ]


@dataclass(frozen=True)
class AnswerModel:
    """Standardised logistic regression plus the thresholds of the two answering tiers."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    certain: float  # probability at or above which the answer is given plainly
    closest: float  # at or above this, the closest passage is shown, marked as such

    def probability(self, signals: Signals) -> float:
        return self.probability_of(features(signals))

    def probability_of(self, values: Sequence[float]) -> float:
        z = self.bias + sum(
            w * (x - m) / s for w, x, m, s in zip(self.weights, values, self.mean, self.scale, strict=True)
        )
        return _sigmoid(z)

    def tier(self, signals: Signals) -> Tier:
        p = self.probability(signals)
        if p >= self.certain:
            return "certain"
        return "closest" if p >= self.closest else "none"

    def to_json(self, extra: Mapping[str, object] | None = None) -> str:
        data = {
            "features": list(FEATURES),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "weights": list(self.weights),
            "bias": self.bias,
            "thresholds": {"certain": self.certain, "closest": self.closest},
            **(extra or {}),
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def load_model(path: Path = MODEL_FILE) -> AnswerModel:
    """Read a fitted model; the feature list must match this code's."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw["features"] != list(FEATURES):
            raise AnswerModelError(f"{path}: features {raw['features']} differ from {list(FEATURES)}")
        return AnswerModel(
            mean=tuple(float(v) for v in raw["mean"]),
            scale=tuple(float(v) for v in raw["scale"]),
            weights=tuple(float(v) for v in raw["weights"]),
            bias=float(raw["bias"]),
            certain=float(raw["thresholds"]["certain"]),
            closest=float(raw["thresholds"]["closest"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise AnswerModelError(f"{path}: cannot read the answer model ({error})") from error


@lru_cache(maxsize=4)
def get_model(path: Path = MODEL_FILE) -> AnswerModel:
    return load_model(path)


def fit(
    rows: Sequence[Sequence[float]],
    labels: Sequence[int],
    *,
    epochs: int = 3000,
    rate: float = 0.1,
    l2: float = 0.01,
) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...], float]:
    """Logistic regression by full-batch gradient descent on standardised features:
    (mean, scale, weights, bias). Small, dependency-free and deterministic."""
    n, d = len(rows), len(rows[0])
    mean = [sum(r[j] for r in rows) / n for j in range(d)]
    scale = [math.sqrt(sum((r[j] - mean[j]) ** 2 for r in rows) / n) or 1.0 for j in range(d)]
    xs = [[(r[j] - mean[j]) / scale[j] for j in range(d)] for r in rows]
    w, b = [0.0] * d, 0.0
    for _ in range(epochs):
        grad_w, grad_b = [0.0] * d, 0.0
        for x, y in zip(xs, labels, strict=True):
            z = b + sum(wj * xj for wj, xj in zip(w, x, strict=True))
            err = _sigmoid(z) - y
            grad_b += err
            for j in range(d):
                grad_w[j] += err * x[j]
        w = [wj - rate * (gj / n + l2 * wj) for wj, gj in zip(w, grad_w, strict=True)]
        b -= rate * grad_b / n
    return tuple(mean), tuple(scale), tuple(w), b


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


def pick_threshold(positives: Sequence[float], negatives: Sequence[float], max_false_rate: float) -> float:
    """The lowest probability threshold whose share of accepted negatives stays within
    max_false_rate (most recall at that precision)."""
    candidates = sorted(set(positives) | set(negatives) | {1.0})
    for threshold in candidates:
        accepted = sum(1 for p in negatives if p >= threshold)
        if accepted <= max_false_rate * max(len(negatives), 1):
            return threshold
    return 1.0
