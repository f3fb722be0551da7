"""knowledge/checkup.yml: the real file loads; bad entries are refused naming file, entry and field."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from retrieval.errors import KnowledgeFormatError
from retrieval.knowledge import CHECKUP_FILE, knowledge_files, knowledge_hash, load_knowledge
from retrieval.schema import CHECKUP_OPTIONS, CheckupSection

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "id": "financing",
    "section": "apply",
    "when": {"plans": ["融资"]},
    "ref": {
        "kind": "rule",
        "id": "yp-ip-pledge-loan-interest-subsidy",
        "fields": ["eligible", "rate_and_cap"],
    },
    "reason": "您有融资打算。",
}


@pytest.fixture(scope="module")
def real_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("kb") / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    return target


def write(root: Path, entries: list[dict[str, Any]]) -> Path:
    (root / CHECKUP_FILE).write_text(
        yaml.safe_dump({"checkup": entries}, allow_unicode=True), encoding="utf-8"
    )
    return root


def refused(root: Path, entry: dict[str, Any]) -> KnowledgeFormatError:
    write(root, [GOOD, entry])
    with pytest.raises(KnowledgeFormatError) as info:
        load_knowledge(root)
    return info.value


def test_real_checkup_file_loads_and_covers_every_section_and_option() -> None:
    base = load_knowledge(ROOT / "knowledge")
    assert {e.section for e in base.checkup} == set(CheckupSection)
    named = {(name, v) for e in base.checkup for name, values in e.when.named().items() for v in values}
    for field, options in CHECKUP_OPTIONS.items():
        for option in options:
            if option not in ("其他", "暂无", "没有"):
                assert (field, option) in named, (field, option)


def test_checkup_file_is_part_of_the_knowledge_hash(real_copy: Path) -> None:
    write(real_copy, [GOOD])
    assert real_copy / CHECKUP_FILE in knowledge_files(real_copy)
    before = knowledge_hash(real_copy)
    write(real_copy, [{**GOOD, "reason": "另一句理由。"}])
    assert knowledge_hash(real_copy) != before


def test_without_the_file_nothing_matches(real_copy: Path) -> None:
    (real_copy / CHECKUP_FILE).unlink(missing_ok=True)
    assert load_knowledge(real_copy).checkup == []


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"ref": {"kind": "rule", "id": "no-such-rule"}}, "ref.id", "no-such-rule"),
        ({"ref": {"kind": "faq", "id": "no-such-faq"}}, "ref.id", "no-such-faq"),
        ({"ref": {"kind": "document", "id": "no-such-doc", "quote": "x"}}, "ref.id", "no-such-doc"),
        (
            {
                "ref": {
                    "kind": "document",
                    "id": "yangpu-ip-pilot-plan-2024-2026",
                    "quote": "对所有企业发放补贴",
                }
            },
            "ref.quote",
            "逐字",
        ),
        ({"ref": {"kind": "document", "id": "yangpu-ip-pilot-plan-2024-2026"}}, "ref.quote", "原文"),
        (
            {"ref": {"kind": "rule", "id": "yp-jizhirong-pledge-credit", "fields": ["amount"]}},
            "ref.fields",
            "amount",
        ),
        (  # 可以申请 from a rule: who may apply and how much, said missing when the rule lacks them
            {
                "ref": {
                    "kind": "rule",
                    "id": "yp-jizhirong-pledge-credit",
                    "fields": ["funded", "rate_and_cap"],
                }
            },
            "ref.fields",
            "缺少：eligible",
        ),
        (
            {"ref": {"kind": "rule", "id": "yp-jizhirong-pledge-credit", "fields": ["eligible"]}},
            "ref.fields",
            "缺少：rate_and_cap",
        ),
        ({"section": "where", "ref": {"kind": "station_type", "id": "bank"}}, "ref.id", "bank"),
        ({"ref": {"kind": "station_type", "id": "court"}}, "section", "去哪里办"),
        ({"section": "where"}, "ref.kind", "station_type"),
        ({"when": {"plans": ["上市"]}}, "when.plans", "上市"),
        ({"when": {"location": ["浦东新区"]}}, "when.location", "浦东新区"),
        ({"when": {}}, "when", "至少"),
        ({"when": {"budget": ["多"]}}, "when.budget", "Extra"),
        ({"section": "later"}, "section", "apply"),
        ({"reason": ""}, "reason", ""),
        ({"ref": {"kind": "station", "id": "hotline-12345"}}, "ref.kind", ""),
    ],
)
def test_bad_entries_name_file_entry_and_field(
    real_copy: Path, change: dict[str, Any], field: str, words: str
) -> None:
    error = refused(real_copy, {**GOOD, "id": "bad-entry", **change})
    assert error.file.endswith(CHECKUP_FILE)
    assert error.entry.startswith("bad-entry")
    assert field in error.field.split(", ")
    assert words in error.message


def test_other_sections_may_cite_a_rule_by_any_field(real_copy: Path) -> None:
    ref = {"kind": "rule", "id": "yp-ip-pledge-loan-interest-subsidy", "fields": ["how_to_apply"]}
    step = {**GOOD, "id": "step", "section": "next", "ref": ref}
    write(real_copy, [GOOD, step])
    assert [e.id for e in load_knowledge(real_copy).checkup] == ["financing", "step"]


def test_every_apply_rule_line_says_who_may_apply_and_how_much() -> None:
    base = load_knowledge(ROOT / "knowledge")
    applied = [e for e in base.checkup if e.section == CheckupSection.apply and e.ref.kind == "rule"]
    assert {"financing-jizhirong", "overseas-insurance", "patent-overseas-subsidy"} <= {e.id for e in applied}
    for entry in applied:
        assert {"eligible", "rate_and_cap"} <= set(entry.ref.fields), entry.id


def test_duplicate_ids_are_refused(real_copy: Path) -> None:
    error = refused(real_copy, dict(GOOD))
    assert (error.entry, error.field) == ("financing", "id")


def test_a_quote_may_wrap_differently_from_the_document(real_copy: Path) -> None:
    quote = "鼓励区内企业创建国家知识产权示范、\n 优势企业"
    entry = {
        **GOOD,
        "id": "q",
        "ref": {"kind": "document", "id": "yangpu-ip-pilot-plan-2024-2026", "quote": quote},
    }
    write(real_copy, [entry])
    assert load_knowledge(real_copy).checkup[0].ref.quote == quote
