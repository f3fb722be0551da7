"""BM25: ranking, coverage, and save/load round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.bm25 import BM25Index

DOCS = [["质押", "融资", "贴息", "50%"], ["商标", "品牌", "指导站"], ["质押", "商标"], []]


def test_ranking_and_idf() -> None:
    index = BM25Index.fit(DOCS)
    scores = index.scores(["贴息"])
    assert scores.argmax() == 0 and scores[1] == 0
    top = index.top(["质押", "贴息"], 2)
    assert list(top) == [0, 2] or set(top) == {0, 2}
    assert top[0] > top[2]
    assert index.top(["不存在"], 5) == {}
    assert index.scores([]).shape == (4,)


def test_coverage_is_idf_weighted() -> None:
    index = BM25Index.fit(DOCS)
    assert index.coverage(["质押", "贴息"], 0) == pytest.approx(1.0)
    assert index.coverage(["质押", "贴息"], 1) == 0.0
    partial = index.coverage(["质押", "天气"], 2)
    assert 0.0 < partial < 0.5  # the unknown word weighs as much as the rarest term
    assert index.coverage([], 0) == 0.0


def test_save_load_round_trip(tmp_path: Path) -> None:
    index = BM25Index.fit(DOCS, k1=1.5, b=0.6)
    index.save(tmp_path / "lex")
    assert {p.name for p in (tmp_path / "lex").iterdir()} == {"params.json", "vocab.json", "weights.npz"}
    loaded = BM25Index.load(tmp_path / "lex")
    assert loaded.vocab == index.vocab and (loaded.k1, loaded.b) == (1.5, 0.6)
    for query in (["质押"], ["商标", "指导站"], ["50%"]):
        np.testing.assert_allclose(loaded.scores(query), index.scores(query))
