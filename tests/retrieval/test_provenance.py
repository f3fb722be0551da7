"""The loader refuses entries that hide where a fact comes from, when, or how sure we are."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.errors import KnowledgeFormatError
from retrieval.knowledge import load_knowledge
from retrieval.schema import parse_source_date


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "entry", "field"),
    [
        # missing fields: a missing status must never read as current
        ("rules.yml", "    status: historical\n", "", "demo-2021-patent-grant", "status"),
        ("rules.yml", "    source_date: 2022-03-03\n", "", "demo-2021-patent-grant", "source_date"),
        ("faq.yml", "    status: current\n", "", "demo-hotline", "status"),
        ("faq.yml", "    source_date: 2018-05\n", "", "demo-hotline", "source_date"),
        ("stations.yml", "    status: unknown\n", "", "demo-tm-station", "status"),
        ("stations.yml", "    source: 演示数据\n", "", "demo-tm-station", "source"),
        # dates: as precise as the source, or 未注明; never free prose or a blank
        (
            "rules.yml",
            "source_date: 2022-03-03",
            "source_date: 2022年3月",
            "demo-2021-patent-grant",
            "source_date",
        ),
        ("faq.yml", "source_date: 2018-05", 'source_date: ""', "demo-hotline", "source_date"),
        (
            "stations.yml",
            'source_date: "2021"',
            'source_date: "2021-02-30"',
            "demo-transfer-center",
            "source_date",
        ),
        # a policy whose source is undated cannot be current
        ("rules.yml", 'source_date: "2024-03-15"', "source_date: 未注明", "demo-pledge-subsidy", "status"),
        ("faq.yml", "source_date: 2018-05", "source_date: 未注明", "demo-hotline", "status"),
        # verified only with a named, dated source, never for demo data
        ("stations.yml", 'source_date: "2021"', "source_date: 未注明", "demo-transfer-center", "verified"),
        (
            "stations.yml",
            "    demo: true\n",
            "    demo: true\n    verified: true\n",
            "demo-tm-station",
            "verified",
        ),
        # a review says who, when and against what
        (
            "faq.yml",
            "    status: current\n",
            "    status: current\n    reviewed_by: 张三\n    reviewed_on: 2026-11-30\n",
            "demo-hotline",
            "reviewed_against",
        ),
    ],
)
def test_status_discipline_errors_name_file_entry_and_field(
    knowledge_dir: Path, file: str, old: str, new: str, entry: str, field: str
) -> None:
    _edit(knowledge_dir / file, old, new)
    with pytest.raises(KnowledgeFormatError) as info:
        load_knowledge(knowledge_dir)
    err = info.value
    assert Path(err.file).name == file
    assert entry in err.entry
    assert field in err.field.split(", ")
    assert file in str(err) and entry in str(err) and field in str(err)


def test_undated_sources_may_be_unknown_or_historical(knowledge_dir: Path) -> None:
    _edit(
        knowledge_dir / "faq.yml",
        "source_date: 2018-05\n    status: current",
        "source_date: 未注明\n    status: unknown",
    )
    _edit(knowledge_dir / "rules.yml", "source_date: 2022-03-03", "source_date: 约2022年")
    base = load_knowledge(knowledge_dir)
    assert base.faq[0].source_date == "未注明" and base.rules[0].source_date == "约2022年"


def test_a_complete_review_loads(knowledge_dir: Path) -> None:
    _edit(
        knowledge_dir / "faq.yml",
        "    status: current\n",
        "    status: current\n    reviewed_by: 张三\n    reviewed_on: 2026-11-30\n"
        "    reviewed_against: 国家知识产权局官网 12330 页面\n",
    )
    review = load_knowledge(knowledge_dir).faq[0]
    assert (review.reviewed_by, str(review.reviewed_on)) == ("张三", "2026-11-30")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("2022-03-03", (2022, 3, 3, False)),
        ("2018-05", (2018, 5, None, False)),
        ("2021", (2021, None, None, False)),
        ("约2023年", (2023, None, None, True)),
    ],
)
def test_source_dates_keep_their_precision(text: str, parts: tuple[object, ...]) -> None:
    parsed = parse_source_date(text)
    assert parsed is not None
    assert (parsed.year, parsed.month, parsed.day, parsed.approximate) == parts


@pytest.mark.parametrize("text", ["", "2023年", "2023/05/01", "2023-13", "约2023-05年", "不详"])
def test_unreadable_source_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_source_date(text)
    assert parse_source_date("未注明") is None
