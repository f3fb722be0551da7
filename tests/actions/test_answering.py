"""Sentence selection, source objects and follow-up questions (pure functions)."""

from __future__ import annotations

import pytest

from actions.answering import (
    combine_follow_up,
    select_sentences,
    source_payload,
    split_sentences,
)
from actions.compose import related_questions
from retrieval.hits import Hit
from tests.actions.conftest import hit

PLAN = (
    "推进完善投资、保险、质押等知识产权价值实现机制。建立知识产权质押融资风险分担机制及质物处置机制。"
    "加强知识产权金融“入园惠企”宣传，鼓励企业开展知识产权质押融资，降低中小企业知识产权质押融资成本，"
    "对符合条件的企业给予贷款利率 50% 的贴息。鼓励企业开展知识产权金融保险业务。"
)


def test_split_drops_metadata_lines_and_answer_labels() -> None:
    text = "相近问法：质押贷款能补贴利息吗\n答：有。按方案给予50%的贴息。\n来源：杨府发〔2024〕4号"
    assert split_sentences(text) == ["有。", "按方案给予50%的贴息。"]


def test_picks_the_sentence_that_answers() -> None:
    picks = select_sentences("知识产权质押贷款，区里给贴息吗？贴多少？", [PLAN], max_sentences=2)
    assert any("50%" in p.text for p in picks)
    assert all(len(p.text) < len(PLAN) for p in picks)  # sentences, not the page


def test_phone_question_prefers_the_phone_line() -> None:
    body = "服务内容：技术转移与成果转化对接、校企技术对接会\n地址：国权北路1688弄\n电话：021-35363288"
    picks = select_sentences("国家技术转移东部中心的联系电话是多少？", [body], max_sentences=1)
    assert picks[0].text == "电话：021-35363288"


def test_selection_keeps_reading_order_and_length_limit() -> None:
    picks = select_sentences("质押融资贴息和风险分担", [PLAN], max_sentences=3, max_chars=120)
    assert [p.position for p in picks] == sorted(p.position for p in picks)
    assert sum(len(p.text) for p in picks) <= 120


def test_lower_ranked_passages_weigh_less() -> None:
    picks = select_sentences("贴息", ["贷款贴息比例为50%。", "贷款贴息比例为50%。"], max_sentences=1)
    assert picks[0].passage == 0


def test_no_overlap_still_returns_the_top_passage_opening() -> None:
    picks = select_sentences("xyz", ["第一句。第二句。"])
    assert [p.text for p in picks] == ["第一句。"]


def test_source_payload_fields() -> None:
    payload = source_payload(hit("贴息50%。"), "贴息50%。")
    assert set(payload) == {
        *("title", "number", "section", "date", "status", "snippet", "url", "demo"),
        *("kind", "doc_id", "chunk_id", "entry"),
    }
    assert payload["status"] == "current" and payload["demo"] is False


def test_follow_up_replaces_the_ip_type() -> None:
    assert combine_follow_up("商标注册有补贴吗？", "那版权呢？", ["商标"], ["版权"]) == "版权注册有补贴吗？"


def test_follow_up_without_a_new_ip_type_is_appended() -> None:
    combined = combine_follow_up("国家技术转移东部中心的电话是多少？", "在哪里？", [], [])
    assert combined == "国家技术转移东部中心的电话是多少？ 在哪里？"
    assert combine_follow_up("", "在哪里？", [], []) == "在哪里？"


def test_the_same_fact_from_two_sources_is_said_once() -> None:
    faq = "答：方案提出推进海外知识产权侵权保险业务的开展，降低企业海外维权成本。"
    plan = "推进海外知识产权侵权保险业务的开展，降低企业海外维权成本。发挥同济大学的国际化功能。"
    picks = select_sentences("海外维权有没有侵权保险", [faq, plan])
    assert len([p for p in picks if "侵权保险" in p.text]) == 1


FAQ = (
    "相近问法：国外专利资助怎么申报\n"
    "答：在一网通办在线申报国外专利资助。需准备专利证书、缴费凭证和签字的承诺书。市、区不得重复资助。"
)


def test_a_curated_answer_that_matches_best_is_shown_whole() -> None:
    other = "方案提出加强知识产权保护。"
    whole = select_sentences("国外专利资助在哪个平台申报", [FAQ, other], max_sentences=1, whole_first=True)
    assert [p.text for p in whole] == [
        "在一网通办在线申报国外专利资助。",
        "需准备专利证书、缴费凭证和签字的承诺书。",
        "市、区不得重复资助。",
    ]
    picked = select_sentences("国外专利资助在哪个平台申报", [FAQ, other], max_sentences=1)
    assert len(picked) == 1
    long_faq = FAQ + "其他说明" + "很长的补充文字" * 12 + "。"
    cut = select_sentences("国外专利资助在哪个平台申报", [long_faq], max_chars=60, whole_first=True)
    assert len(cut) < 4  # over max_chars + 60: only the best sentences


def test_warm_up_survives_a_missing_index(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from actions import resources
    from retrieval.errors import IndexNotBuiltError

    def no_index() -> None:
        raise IndexNotBuiltError("no index")

    monkeypatch.setattr(resources, "get_knowledge", lambda: None)
    monkeypatch.setattr(resources, "get_searcher", no_index)
    resources.warm_up()  # logs and returns: the first question retries
    assert "warm-up failed" in caplog.text


def test_a_heading_that_names_what_is_asked_brings_its_passage_sentences() -> None:
    principles = "坚持改革创新，完善制度。坚持需求导向，服务企业。"
    duties = "建立试点工作监督管理机制，落实工作目标责任制。"
    question = "试点工作方案有哪些基本原则？"
    without = select_sentences(question, [principles, duties], max_sentences=1)
    assert without[0].passage == 1  # the duties sentence repeats 试点/工作 of the question
    picks = select_sentences(
        question, [principles, duties], max_sentences=1, headings=["二、基本原则", "五、保障措施"]
    )
    assert picks[0].passage == 0


def test_a_question_about_conditions_gets_the_line_saying_who_may_apply() -> None:
    record = (
        "适用对象：在杨浦区注册满一年、具有独立法人资格的科技型企业；通知还列有共同条件。"
        "标准与上限：按保费的50%补贴。"
    )
    picks = select_sentences("要什么条件", [record], max_sentences=1)
    assert picks[0].text.startswith("适用对象：")


def test_related_questions_are_unquoted_faqs_then_rules_at_most_three() -> None:
    def entry(kind: str, doc_id: str, title: str) -> Hit:
        return hit("…", kind=kind, title=title).model_copy(update={"doc_id": doc_id})

    hits = [
        entry("document", "plan", "方案"),
        entry("rule", "r1", "发明专利授权资助"),
        entry("faq", "f1", "质押贷款有贴息吗？"),
        entry("faq", "f2", "商标被抢注怎么办？"),
        entry("rule", "r2", "专利保险补贴"),
        entry("faq", "f1", "质押贷款有贴息吗？"),
    ]
    assert related_questions(hits, {"plan", "f2"}) == [
        "质押贷款有贴息吗？",
        "发明专利授权资助",
        "专利保险补贴",
    ]
    assert related_questions(hits, {"plan", "r1", "f1", "f2", "r2"}) == []
