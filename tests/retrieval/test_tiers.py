"""A certain match is lowered to closest where the model's signals cannot see the mismatch."""

from __future__ import annotations

import pytest

from retrieval.hits import Hit, Signals, Source
from retrieval.schema import UNPUBLISHED_CATEGORY
from retrieval.tiers import asks_for_actual, capped_tier, lifted_tier

CHINESE = Signals(chinese=True, domain=True)


def record(section: str, kind: str = "rule", body: str = "b") -> Hit:
    source = Source(title="t")
    return Hit(
        chunk_id="rule:x#000",
        doc_id="x",
        kind=kind,  # type: ignore[arg-type]
        title="t",
        section=section,
        text="t",
        body=body,
        score=1.0,
        source=source,
    )


def test_certain_chinese_question_on_a_rule_stays_certain() -> None:
    assert capped_tier("certain", "专利保险有补贴吗", [record("专利保险")], CHINESE) == "certain"


def test_a_question_not_in_chinese_is_at_most_closest() -> None:
    english = Signals(chinese=False, domain=True)
    assert capped_tier("certain", "cnipa filing fee", [record("专利资助")], english) == "closest"
    assert capped_tier("none", "cnipa filing fee", [record("专利资助")], english) == "none"


def test_a_record_of_what_was_not_found_is_at_most_closest() -> None:
    hits = [record(UNPUBLISHED_CATEGORY)]
    assert capped_tier("certain", "马德里商标国际注册要多久", hits, CHINESE) == "closest"


@pytest.mark.parametrize(
    ("text", "actual"),
    [
        ("2025年 杨浦 商标有效注册量 实际", True),
        ("技术合同成交额实际完成了多少", True),
        ("what was the actual number of pct applications", True),
        ("按实际缴纳保费补贴多少", False),
        ("技术合同成交额目标", False),
    ],
)
def test_questions_about_realised_figures_are_recognised(text: str, actual: bool) -> None:
    assert asks_for_actual(text) is actual


def test_an_faq_answering_that_no_source_was_found_is_at_most_closest() -> None:
    said = record("常见问题", "faq", "相近问法：商标资助\n答：未找到公开来源。请拨打12345。")
    answered = record("常见问题", "faq", "相近问法：商标资助\n答：可以，按50%补贴。")
    assert capped_tier("certain", "马德里注册要多久", [said], CHINESE) == "closest"
    assert capped_tier("certain", "商标有补贴吗", [answered], CHINESE) == "certain"


def test_a_complete_match_of_the_knowledges_terms_lifts_only_a_closest_match() -> None:
    complete = Signals(chinese=True, complete_match=True)
    assert lifted_tier("closest", complete) == "certain"
    assert lifted_tier("none", complete) == "none"  # the model saw nothing: nothing to lift
    assert lifted_tier("closest", CHINESE) == "closest"


def test_a_code_is_no_language_but_english_words_are() -> None:
    latin = Signals(chinese=False, domain=False)
    assert capped_tier("certain", "iso56005", [record("常见问题", "faq")], latin) == "certain"
    assert capped_tier("certain", "iso 56005 standard", [record("常见问题", "faq")], latin) == "closest"


def test_an_answer_of_another_level_than_the_one_asked_is_at_most_closest() -> None:
    district = record("专利资助").model_copy(update={"level": "杨浦区"})
    assert capped_tier("certain", "市里有资助吗", [district], CHINESE) == "closest"
    assert capped_tier("certain", "区里有资助吗", [district], CHINESE) == "certain"
    assert capped_tier("certain", "有资助吗", [district], CHINESE) == "certain"
