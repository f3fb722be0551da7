"""Fusion is a pure function of two candidate lists; tested without any model."""

from __future__ import annotations

import pytest

from retrieval.confidence import expand_english, has_chinese, mentions_domain
from retrieval.fusion import fuse, min_max, rrf_fusion, score_fusion

LEX = {1: 12.0, 2: 6.0, 3: 0.5}
DEN = {2: 0.91, 4: 0.88, 1: 0.80}


def test_min_max_scales_to_unit_range() -> None:
    assert min_max({1: 2.0, 2: 4.0, 3: 3.0}) == {1: 0.0, 2: 1.0, 3: 0.5}
    assert min_max({7: 3.0}) == {7: 1.0}
    assert min_max({}) == {}


def test_weights_zero_and_one_reduce_to_a_single_list() -> None:
    assert [k for k, _ in score_fusion(LEX, DEN, 0.0)][:3] == [1, 2, 3]
    assert [k for k, _ in score_fusion(LEX, DEN, 1.0)][:3] == [2, 4, 1]


def test_score_fusion_values() -> None:
    fused = dict(score_fusion(LEX, DEN, 0.5))
    lex, den = min_max(LEX), min_max(DEN)
    assert fused[1] == pytest.approx(0.5 * den[1] + 0.5 * lex[1])
    assert fused[4] == pytest.approx(0.5 * den[4])  # missing from the lexical list counts as 0
    assert set(fused) == {1, 2, 3, 4}


def test_rrf_uses_ranks_not_scores() -> None:
    fused = dict(rrf_fusion(LEX, DEN, 0.5, k=60))
    assert fused[2] == pytest.approx(0.5 / 61 + 0.5 / 62)
    assert fused[4] == pytest.approx(0.5 / 62)
    scaled = dict(rrf_fusion({k: v * 100 for k, v in LEX.items()}, DEN, 0.5, k=60))
    assert scaled == fused


def test_fusion_is_pure_and_deterministic() -> None:
    lex, den = dict(LEX), dict(DEN)
    first = fuse(lex, den, "score", 0.3)
    assert fuse(lex, den, "score", 0.3) == first
    assert lex == LEX and den == DEN
    tie = fuse({5: 1.0, 3: 1.0}, {}, "score", 0.5)
    assert [k for k, _ in tie] == [3, 5]  # ties broken by row
    assert fuse({}, {}, "rrf", 0.5) == []


def test_domain_words() -> None:
    assert mentions_domain("商表被人傍名牌了") and mentions_domain("杨浦法院审ip案子")
    assert mentions_domain("Who handles PCT filings?") and mentions_domain("our logo was copied")
    assert not mentions_domain("帮我查一下zip文件") and not mentions_domain("vip会员怎么开")
    assert not mentions_domain("公司注册地址怎么变更") and not mentions_domain("附近有没有药店")
    assert has_chinese("what is 杨小知") and not has_chinese("What is the hotline?")


def test_english_questions_are_searched_with_the_chinese_terms_of_their_words() -> None:
    expanded = expand_english("Is there a subsidy for patent insurance?")
    assert expanded.startswith("Is there a subsidy") and all(t in expanded for t in ("资助", "专利", "保险"))
    assert expand_english("What is a zip file?") == "What is a zip file?"  # "ip" only as a word
    assert expand_english("专利 subsidy") == "专利 subsidy"  # Chinese questions are searched as written
