"""Chunking follows the policy document's structure; structured entries render as readable text."""

from __future__ import annotations

from pathlib import Path

from retrieval.chunking import MAX_CHARS, chunk_document, item_title, marker_level, split_text
from retrieval.entries import faq_chunks, knowledge_chunks, render_rule, render_station, rule_chunks
from retrieval.knowledge import load_knowledge
from retrieval.schema import Status

TITLE = "示例区知识产权强区建设工作方案（2024-2026年）"


def _doc_chunks(knowledge_dir: Path):  # type: ignore[no-untyped-def]
    base = load_knowledge(knowledge_dir)
    return base, chunk_document(base.documents[0])


def test_markers_and_item_titles() -> None:
    assert marker_level("一、指导思想") == 0
    assert marker_level("（二）提升知识产权运用效益") == 1
    assert marker_level("6.推进知识产权金融服务。") == 2
    assert marker_level("12.规范服务业") == 2
    assert marker_level("（3）细则") == 3
    assert marker_level("2024年3月15日") is None
    assert marker_level("5.5%以上") is None
    assert item_title("6.推进知识产权金融服务。推进完善投资、保险、质押等机制。") == "6.推进知识产权金融服务"


def test_section_paths_follow_headings_and_numbered_items(knowledge_dir: Path) -> None:
    _, chunks = _doc_chunks(knowledge_dir)
    sections = [c.section for c in chunks]
    assert "二、重点任务 > （二）提升运用效益 > 6.推进知识产权金融服务" in sections
    assert "一、工作目标 > （一）创造能力进一步提高" in sections
    assert "一、工作目标" in sections  # the intro paragraph before the items
    finance = next(c for c in chunks if c.section.endswith("6.推进知识产权金融服务"))
    assert "50% 的贴息" in finance.body
    # The document's own title heading is not repeated in the path.
    assert all(TITLE not in c.section for c in chunks)


def test_every_chunk_carries_title_number_section_and_source(knowledge_dir: Path) -> None:
    base, chunks = _doc_chunks(knowledge_dir)
    meta = base.documents[0].meta
    for chunk in chunks:
        assert chunk.text.startswith(f"《{meta.title}》{meta.number}")
        assert chunk.section in chunk.text and chunk.body in chunk.text
        assert chunk.source.title == meta.title
        assert chunk.source.number == "示府发〔2024〕9号"
        assert chunk.source.date == "2024-03-15"
        assert chunk.doc_id == "demo-plan" and chunk.kind == "document"
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_markup_comments_and_end_matter(knowledge_dir: Path) -> None:
    _, chunks = _doc_chunks(knowledge_dir)
    text = "\n".join(c.text for c in chunks)
    assert "**" not in text and "<!--" not in text
    assert "布局 PCT 专利" in text
    end = next(c for c in chunks if "抄送" in c.body)
    assert end.section == ""  # a thematic break ends the sections


def test_long_items_split_on_sentences_with_overlap(knowledge_dir: Path) -> None:
    _, chunks = _doc_chunks(knowledge_dir)
    parts = [c for c in chunks if c.section.endswith("7.优化运营服务体系")]
    assert len(parts) >= 2
    for part in parts:
        assert len(part.body) <= MAX_CHARS
        assert part.body.endswith("。")
    # consecutive windows share one sentence
    last_sentence = parts[0].body.split("。")[-2] + "。"
    assert parts[1].body.startswith(last_sentence)


def test_split_text_handles_a_sentence_longer_than_the_window() -> None:
    text = "，".join(["很长的分句没有句号"] * 60) + "。"
    parts = split_text(text, 100)
    assert all(len(p) <= 100 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_structured_entries_become_readable_chunks(knowledge_dir: Path) -> None:
    base = load_knowledge(knowledge_dir)
    header, body = render_rule(base.rules[0])
    assert header == "2021年度示例区国内发明专利授权资助（2021年度，历史标准）"
    assert "每件最高1500元" in body and "适用对象：注册和税务登记均在本区的企业" in body
    header, body = render_rule(base.rules[1])
    assert header.endswith("（现行）") and "适用对象" not in body  # empty fields are left out
    header, body = render_station(base.stations[0])
    assert header == "示例技术转移中心（技术转移与交易）"
    assert "地址：示例路1号" in body and "电话：021-35363288" in body and "杨浦全区" in body
    header, body = render_station(base.stations[1])
    assert "演示数据" in header and "地址：" not in body and "电话：" not in body
    chunks = knowledge_chunks(base)
    kinds = {c.kind for c in chunks}
    assert kinds == {"document", "rule", "station", "faq"}
    faq = next(c for c in chunks if c.kind == "faq")
    assert "12330是什么电话" in faq.text and "知识产权举报电话是多少" in faq.text
    demo = next(c for c in chunks if c.doc_id == "demo-tm-station")
    assert demo.source.demo and demo.section == "商标品牌指导站"
    rule = next(c for c in chunks if c.doc_id == "demo-2021-patent-grant")
    assert rule.source.status.value == "historical" and rule.source.date == "2022-03-03"


def test_faq_status_reaches_its_citation(knowledge_dir: Path) -> None:
    base = load_knowledge(knowledge_dir)
    assert faq_chunks(base.faq[0])[0].source.status is Status.current  # the default
    historical = base.faq[0].model_copy(update={"status": Status.historical})
    assert all(chunk.source.status is Status.historical for chunk in faq_chunks(historical))


def test_rule_and_faq_chunks_carry_their_level_of_government(knowledge_dir: Path) -> None:
    base = load_knowledge(knowledge_dir)
    assert {chunk.level for chunk in rule_chunks(base.rules[0])} == {base.rules[0].level}
    assert faq_chunks(base.faq[0])[0].level == ""  # no level given: none
    city = base.faq[0].model_copy(update={"level": "上海市"})
    assert faq_chunks(city)[0].level == "上海市"
    assert all(chunk.level == "" for chunk in knowledge_chunks(base) if chunk.kind in ("document", "station"))
