"""BM25: ranking, coverage, and save/load round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.bm25 import BM25Index, is_word

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


def test_a_compound_spelled_out_by_the_other_tokens_does_not_count_as_unknown() -> None:
    # search mode adds "蓝天行动" next to its parts; the knowledge writes “蓝天”行动
    index = BM25Index.fit([["蓝天", "行动", "代理"], ["商标", "行动"], ["商标"]])
    assert index.coverage(["蓝天", "行动", "蓝天行动"], 0) == pytest.approx(1.0)
    assert index.coverage(["蓝天", "晴空行动"], 0) < 0.5  # not spelled out by the others: unknown


def test_rare_names_are_terms_few_chunks_use_never_numbers_or_everyday_words() -> None:
    docs = [["新兴", "领域", "12345", "材料"], ["领域", "商标"], ["领域"], ["商标"], ["专利"]]
    index = BM25Index.fit(docs)
    names = {"新兴", "领域", "12345", "蓝天行动"}.__contains__
    assert index.rare_names(["新兴", "领域", "12345", "材料"], 0, 0.2, names) == ["新兴"]
    assert index.rare_names(["新兴"], 1, 0.2, names) == []  # not in that chunk
    assert index.rare_names(["领域"], 0, 0.6, names) == ["领域"]
    assert index.rare_names(["材料"], 0, 0.2, names) == []  # rare, but no name


def test_a_name_the_index_lacks_counts_when_its_parts_are_in_the_chunk() -> None:
    index = BM25Index.fit([["蓝天", "行动"], ["行动"], ["商标"], ["专利"], ["版权"]])
    names = {"蓝天行动"}.__contains__
    assert index.rare_names(["蓝天", "行动", "蓝天行动"], 0, 0.2, names) == ["蓝天行动"]
    assert index.rare_names(["蓝天", "行动", "蓝天行动"], 1, 0.2, names) == []


@pytest.mark.parametrize(
    ("token", "word"),
    [("新兴", True), ("iso56005", True), ("12345", False), ("2025年", False), ("3.14", False), ("年", False)],
)
def test_numbers_with_or_without_a_unit_are_not_words(token: str, word: bool) -> None:
    assert is_word(token) is word
