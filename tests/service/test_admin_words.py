"""Pure helpers of the admin: ids from Chinese titles, word-level diffs, metadata proposed from a text."""

from __future__ import annotations

import pytest

from service.admin.proposals import Proposal, propose
from service.admin.slugs import MAX_LENGTH, slug_of
from service.admin.worddiff import word_diff

SLUGS = {  # title → id: words of pinyin, punctuation dropped, nothing left → the fallback
    "专利质押贷款贴息": "zhuanli-zhiya-daikuan-tiexi",
    "《上海市知识产权保护条例》（2020）": "shanghaishi-zhishichanquan-baohu-tiaoli-2020",
    "PCT 国际申请": "pct-guoji-shenqing",
    "！！！": "entry",
}


@pytest.mark.parametrize(("title", "slug"), SLUGS.items())
def test_slugs_are_pinyin_words(title: str, slug: str) -> None:
    assert slug_of(title) == slug


def test_slugs_are_short_and_unique() -> None:
    long = slug_of("关于开展2025年度杨浦区专利资助工作的通知以及其他若干事项的补充说明")
    assert len(long) <= MAX_LENGTH and not long.endswith("-")
    assert slug_of("贴息", {"tiexi", "tiexi-2"}) == "tiexi-3"


def test_word_diff_marks_only_the_changed_words() -> None:
    segments = word_diff("对企业给予贴息，最高50万元。", "对中小企业给予贴息，最高100万元。")
    changed = [(s["op"], s["text"]) for s in segments if s["op"] != "equal"]
    assert ("delete", "50") in changed and ("insert", "100") in changed
    assert "".join(s["text"] for s in segments if s["op"] != "delete") == "对中小企业给予贴息，最高100万元。"


def test_word_diff_cuts_long_unchanged_text() -> None:
    before = "甲" * 300 + "乙"
    segments = word_diff(before, "甲" * 300 + "丙")
    assert segments[0]["op"] == "gap" and "省略" in segments[0]["text"]
    assert sum(len(s["text"]) for s in segments if s["op"] == "equal") <= 60
    assert word_diff("", "") == [] and word_diff("同", "同") == [{"op": "equal", "text": "同"}]


def test_proposals_read_an_official_document() -> None:
    issuer, title = "上海市杨浦区人民政府", "杨浦区知识产权强区建设实施方案"
    lines = [issuer + "文件", "杨府发[2023] 5号", "# " + title, "一、总体要求。"]
    text = "\n".join([*lines, issuer, "二〇二三年五月二十一日"])
    expected = Proposal(title, "杨府发[2023]5号", "2023-05-21", issuer)
    assert propose(text) == expected


def test_proposals_leave_out_what_the_text_does_not_say() -> None:
    assert propose("第一句话就是正文。没有标题，也没有日期。") == Proposal()
    dated = propose("专利资助办法\n本办法自2024年1月5日起施行。")
    assert (dated.title, dated.date) == ("专利资助办法", "")  # a date inside a sentence is not the document's
