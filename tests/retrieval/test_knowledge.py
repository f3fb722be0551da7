"""Knowledge loader: validation errors name file, entry and field; nothing is half-loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.errors import KnowledgeFormatError
from retrieval.knowledge import knowledge_hash, load_knowledge
from retrieval.schema import Park, Street


def test_fixture_loads_every_part(knowledge_dir: Path) -> None:
    base = load_knowledge(knowledge_dir)
    assert [d.meta.id for d in base.documents] == ["demo-plan"]
    assert base.documents[0].meta.number == "示府发〔2024〕9号"
    assert str(base.documents[0].meta.date) == "2024-03-15"
    assert [r.id for r in base.rules] == ["demo-2021-patent-grant", "demo-pledge-subsidy"]
    assert base.rules[0].source_date == "2022-03-03"  # YAML dates stay strings for str fields
    assert len(base.stations) == 2 and base.stations[1].demo
    assert [s.name for s in base.locations.streets] == ["五角场街道", "殷行街道"]
    assert base.faq[0].id == "demo-hotline"
    assert [w.word for w in base.userdict] == ["商标品牌指导站", "质押融资", "杨小知"]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "entry", "field"),
    [
        ("rules.yml", "    rate_and_cap: 按贷款", "    rate_and_cap_typo: 按贷款",
         "demo-pledge-subsidy", "rate_and_cap_typo"),
        ("rules.yml", "    status: historical", "    status: old", "demo-2021-patent-grant", "status"),
        ("stations.yml", "phone: 021-35363288", "phone: 35363288", "demo-transfer-center", "phone"),
        ("stations.yml", "type: trademark_station", "type: trademark", "demo-tm-station", "type"),
        ("stations.yml", "parks: [大创智]", "parks: [不存在园区]", "demo-tm-station", "parks"),
        ("locations.yml", 'code: "310110016"', 'code: "3101"', "殷行街道", "code"),
        ("faq.yml", "    answer: 12330", "    answr: 12330", "demo-hotline", "answr"),
        ("faq.yml", "    source: 示例来源", "    level: 市里\n    source: 示例来源", "demo-hotline", "level"),
        ("documents/demo-plan.md", "date: 2024-03-15", "date: 2024-13-45", "demo-plan", "date"),
        ("station_types.yml", "  - code: regulator\n", "  - code: Regulator\n", "Regulator", "code"),
        ("station_types.yml", "  - code: regulator\n", "  - code: court\n", "court", "code"),  # twice
        ("station_types.yml", "label: 法院知识产权庭\n", "label: 版权工作站\n", "court", "label"),  # twice
        ("station_types.yml", "    fallback: true\n", "", "station_types", "fallback"),  # none left
        ("station_types.yml", "    bring: 技术需求或专利清单的简要说明\n", "", "tech_transfer", "bring"),
    ],
)
def test_bad_field_names_file_entry_and_field(
    knowledge_dir: Path, file: str, old: str, new: str, entry: str, field: str
) -> None:
    _edit(knowledge_dir / file, old, new)
    with pytest.raises(KnowledgeFormatError) as info:
        load_knowledge(knowledge_dir)
    err = info.value
    assert err.file.endswith(file)
    assert entry in err.entry
    assert field in [f.split(".")[0] for f in err.field.split(", ")]
    assert file.split("/")[-1] in str(err) and field in str(err)


def test_entry_without_id_is_named_by_index(knowledge_dir: Path) -> None:
    _edit(knowledge_dir / "rules.yml", "  - id: demo-pledge-subsidy\n", "  - \n")
    with pytest.raises(KnowledgeFormatError) as info:
        load_knowledge(knowledge_dir)
    assert info.value.entry == "#1"


def test_duplicate_ids_within_a_kind_are_refused(knowledge_dir: Path) -> None:
    _edit(knowledge_dir / "rules.yml", "id: demo-pledge-subsidy", "id: demo-2021-patent-grant")
    with pytest.raises(KnowledgeFormatError, match="duplicate"):
        load_knowledge(knowledge_dir)


def test_missing_file_and_front_matter_are_errors(knowledge_dir: Path) -> None:
    (knowledge_dir / "faq.yml").unlink()
    with pytest.raises(KnowledgeFormatError) as info:
        load_knowledge(knowledge_dir)
    assert info.value.file.endswith("faq.yml")


def test_document_id_must_match_file_name(knowledge_dir: Path) -> None:
    (knowledge_dir / "documents" / "demo-plan.md").rename(knowledge_dir / "documents" / "other.md")
    with pytest.raises(KnowledgeFormatError) as info:
        load_knowledge(knowledge_dir)
    assert info.value.field == "id"


def test_broken_yaml_and_userdict_lines(knowledge_dir: Path) -> None:
    (knowledge_dir / "userdict.txt").write_text("商标 abc def ghi\n", encoding="utf-8")
    with pytest.raises(KnowledgeFormatError) as info:
        load_knowledge(knowledge_dir)
    assert info.value.entry == "line 1"
    (knowledge_dir / "userdict.txt").write_text("商标 5 n\n", encoding="utf-8")
    (knowledge_dir / "rules.yml").write_text("rules: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeFormatError) as info:
        load_knowledge(knowledge_dir)
    assert info.value.field == "(syntax)"


def test_knowledge_hash_is_stable_and_tracks_edits(knowledge_dir: Path) -> None:
    first = knowledge_hash(knowledge_dir)
    assert first == knowledge_hash(knowledge_dir)
    _edit(knowledge_dir / "faq.yml", "热线。", "热线（已更新）。")
    second = knowledge_hash(knowledge_dir)
    assert second != first
    _edit(knowledge_dir / "station_types.yml", "label: 版权工作站", "label: 版权服务工作站")
    assert knowledge_hash(knowledge_dir) != second


def test_stations_carry_the_label_of_their_declared_type(knowledge_dir: Path) -> None:
    base = load_knowledge(knowledge_dir)
    codes = [t.code for t in base.station_types]
    assert codes[:3] == ["trademark_station", "copyright_station", "service_center"]
    assert {s.id: s.type.label for s in base.stations}["demo-tm-station"] == "商标品牌指导站"


def test_resolve_location_prefers_longest_alias(knowledge_dir: Path) -> None:
    base = load_knowledge(knowledge_dir)
    place = base.resolve_location("我们公司在創智天地附近")  # traditional input is normalised
    assert isinstance(place, Park) and place.name == "大创智"
    street = base.street_of(place)
    assert street is not None and street.name == "五角场街道"
    found = base.resolve_location("我们在五角场街道")
    assert isinstance(found, Street) and found.name == "五角场街道"
    assert base.resolve_location("北京朝阳区") is None
    assert [p.name for p in base.find_locations("殷行和五角场都有")] == ["五角场街道", "殷行街道"]
