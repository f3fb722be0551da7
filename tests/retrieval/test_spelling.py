"""Homophone typos of known terms are corrected; real words and correct terms are left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.tokenizer import Tokenizer

USERDICT = Path(__file__).resolve().parents[2] / "knowledge" / "userdict.txt"


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer.from_userdict(USERDICT)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("技之融是什么贷款", "技知融是什么贷款"),
        ("版全登记去哪，我们在四平路", "版权登记去哪，我们在四平路"),
        ("商表被抢注了", "商标被抢注了"),
        ("我想申请专例资助", "我想申请专利资助"),
        ("知识产全质押", "知识产权质押"),
        ("质压贷款怎么办", "质押贷款怎么办"),
        ("著作全登记", "著作权登记"),
    ],
)
def test_a_term_typed_with_a_wrong_character_of_the_same_sound_is_corrected(
    tokenizer: Tokenizer, typed: str, meant: str
) -> None:
    assert tokenizer.speller.correct(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "知识产权质押融资贴息怎么申请",  # "识产" reads like 知产 but sits inside a correct term
        "权力",  # a real word that sounds like 权利
        "一般全部",
        "登机牌",
        "自助",
        "Patent pledge loan",
        "",
    ],
)
def test_correct_terms_real_words_and_other_scripts_are_unchanged(
    tokenizer: Tokenizer, text: str
) -> None:
    assert tokenizer.speller.correct(text) == text
