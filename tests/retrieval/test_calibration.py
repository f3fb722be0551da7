"""The answer model: fitting, thresholds, tiers and its file, on small made-up signals."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.calibrate import Example, calibrate
from retrieval.calibration import (
    FEATURES,
    MODEL_FILE,
    AnswerModel,
    AnswerModelError,
    features,
    load_model,
    pick_threshold,
)
from retrieval.hits import Signals


def signals(cosine: float, coverage: float, domain: bool = True) -> Signals:
    return Signals(top_cosine=cosine, coverage=coverage, domain=domain, bm25_top=10 * coverage, length=12)


def example(n: int, kind: str, s: Signals, label: int) -> Example:
    return Example(f"{kind}{n}", kind, "tune", features(s), label)


def corpus() -> list[Example]:
    good = [example(i, "fact", signals(0.88 + i / 200, 0.5 + i / 40), 1) for i in range(12)]
    oos = [example(i, "out_of_scope", signals(0.78 + i / 200, 0.1, domain=False), 0) for i in range(12)]
    unknown = [example(i, "unknown", signals(0.84, 0.3 + i / 100), 0) for i in range(6)]
    return good + oos + unknown


def test_the_fitted_model_orders_answerable_above_out_of_scope() -> None:
    model = calibrate(corpus())
    assert model.probability(signals(0.93, 0.8)) > model.probability(signals(0.85, 0.35))
    assert model.probability(signals(0.85, 0.35)) > model.probability(signals(0.79, 0.1, domain=False))
    assert model.tier(signals(0.93, 0.8)) == "certain"
    assert model.tier(signals(0.78, 0.05, domain=False)) == "none"
    assert model.closest <= model.certain


def test_threshold_keeps_false_accepts_within_the_rate() -> None:
    positives, negatives = [0.9, 0.8, 0.7, 0.6], [0.1, 0.2, 0.65, 0.3]
    assert pick_threshold(positives, negatives, 0.0) == pytest.approx(0.7)
    assert pick_threshold(positives, negatives, 0.25) <= 0.6


def test_model_file_round_trip_and_errors(tmp_path: Path) -> None:
    n = len(FEATURES)
    model = AnswerModel((0.0,) * n, (1.0,) * n, (1.0,) * n, -1.0, certain=0.8, closest=0.5)
    path = tmp_path / "m.json"
    path.write_text(model.to_json(), encoding="utf-8")
    assert load_model(path) == model
    path.write_text(model.to_json().replace('"coverage"', '"other"'), encoding="utf-8")
    with pytest.raises(AnswerModelError, match="features"):
        load_model(path)
    with pytest.raises(AnswerModelError):
        load_model(tmp_path / "missing.json")


def test_the_shipped_model_loads_and_matches_the_features() -> None:
    model = load_model(MODEL_FILE)
    assert len(model.weights) == len(FEATURES) and 0.0 < model.closest <= model.certain <= 1.0
