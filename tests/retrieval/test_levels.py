"""Levels of government: the one a question names, and passages of that level ranked first."""

from __future__ import annotations

import pytest

from retrieval.levels import asked_level, asked_level_first


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("市里有资助吗", "上海市"),
        ("区里还能再拿吗", "杨浦区"),
        ("专利权质押登记在国家知识产权局怎么办理", "国家"),
        ("市里补了区里还能再补吗", ""),  # two levels: none asked
        ("专利资助怎么申请", ""),
    ],
)
def test_the_level_a_question_names(text: str, level: str) -> None:
    assert asked_level(text) == level


def test_close_passages_of_the_asked_level_come_first_then_those_of_none() -> None:
    ranked = [("district", 1.0), ("none", 0.9), ("city", 0.8), ("far-city", 0.3)]
    levels = ["杨浦区", "", "上海市", "上海市"]
    order = [name for name, _ in asked_level_first(ranked, levels, "上海市", share=0.5)]
    assert order == ["city", "none", "district", "far-city"]  # a passage far below keeps its place


def test_without_an_asked_level_the_ranking_is_kept() -> None:
    ranked = [("a", 1.0), ("b", 0.9)]
    assert asked_level_first(ranked, ["杨浦区", "上海市"], "", share=0.5) == ranked
