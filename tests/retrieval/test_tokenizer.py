"""Tokenisation: normalisation, user dictionary on a private jieba instance, numbers kept."""

from __future__ import annotations

import jieba
import pytest

from retrieval.knowledge import UserWord
from retrieval.normalize import match_key, normalize_text
from retrieval.tokenizer import Tokenizer

WORDS = [UserWord("商标品牌指导站", 20, "n"), UserWord("质押融资", 20, "n")]


@pytest.fixture(scope="module")
def plain() -> Tokenizer:
    return Tokenizer()


@pytest.fixture(scope="module")
def domain() -> Tokenizer:
    return Tokenizer(WORDS)


def test_normalize_converts_width_case_spaces_and_traditional() -> None:
    assert normalize_text("  知識產權　質押貸款  ＩＳＯ５６００５ ") == "知识产权 质押贷款 iso56005"
    assert match_key("1,500 元") == "1500元"


def test_user_dictionary_keeps_domain_terms_whole(plain: Tokenizer, domain: Tokenizer) -> None:
    assert "商标品牌指导站" not in plain.cut("杨浦有几个商标品牌指导站")
    assert "商标品牌指导站" in domain.cut("杨浦有几个商标品牌指导站")
    assert "质押融资" in domain.tokenize("知识产权质押融资贴息")


def test_private_tokenizer_leaves_global_jieba_alone(domain: Tokenizer) -> None:
    assert "商标品牌指导站" in domain.cut("商标品牌指导站")
    assert "商标品牌指导站" not in jieba.lcut("商标品牌指导站")


def test_numbers_and_codes_are_kept(domain: Tokenizer) -> None:
    tokens = domain.tokenize("贯彻ISO56005，拨打12330，成交额达到 500 亿，拥有量达 145 件，占比5.5%")
    for expected in ("iso56005", "12330", "500", "500亿", "145", "145件", "5.5%"):
        assert expected in tokens


def test_stopwords_and_punctuation_are_dropped(domain: Tokenizer) -> None:
    tokens = domain.tokenize("区里给贴息吗？贴多少？")
    assert "吗" not in tokens and "多少" not in tokens and "？" not in tokens and "?" not in tokens
    assert "贴息" in tokens


def test_traditional_and_simplified_give_the_same_tokens(domain: Tokenizer) -> None:
    assert domain.tokenize("專利保險的保費補貼") == domain.tokenize("专利保险的保费补贴")


def test_names_are_user_words_or_no_everyday_word() -> None:
    tokenizer = Tokenizer([UserWord("蓝天行动", 8000, "nz"), UserWord("ISO56005", 10000, "eng")])
    assert tokenizer.is_name("蓝天行动") and tokenizer.is_name("iso56005")
    assert tokenizer.is_name("sicip")  # general Chinese has no such word
    assert not tokenizer.is_name("材料") and not tokenizer.is_name("准备")


def test_colloquial_question_words_carry_no_topic() -> None:
    tokens = Tokenizer().tokenize("打12330能干嘛，找谁")
    assert "干嘛" not in tokens and "谁" not in tokens and "12330" in tokens
