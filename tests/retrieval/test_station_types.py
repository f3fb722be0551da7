"""Station types as data: knowledge/station_types.yml is validated, hashed and labels the stations."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.errors import KnowledgeFormatError
from retrieval.knowledge import knowledge_files, knowledge_hash, load_knowledge


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_stations_carry_the_label_of_their_declared_type(knowledge_dir: Path) -> None:
    base = load_knowledge(knowledge_dir)
    codes = [t.code for t in base.station_types]
    assert codes[:3] == ["trademark_station", "copyright_station", "service_center"]
    labels = {s.id: s.type.label for s in base.stations}
    assert labels["demo-tm-station"] == "商标品牌指导站"


@pytest.mark.parametrize(
    ("old", "new", "entry", "field", "words"),
    [
        ("  - code: regulator\n", "  - code: Regulator\n", "Regulator", "code", "pattern"),
        ("  - code: regulator\n", "  - code: court\n", "court", "code", "重复"),
        ("    label: 法院知识产权庭\n", "    label: 版权工作站\n", "court", "label", "重复"),
        ("    fallback: true\n", "    fallback: false\n", "station_types", "fallback", "有且只有一种"),
        ("    bring: 技术需求或专利清单的简要说明\n", "", "tech_transfer", "bring", "Field required"),
    ],
)
def test_bad_station_types_name_file_entry_and_field(
    knowledge_dir: Path, old: str, new: str, entry: str, field: str, words: str
) -> None:
    _edit(knowledge_dir / "station_types.yml", old, new)
    with pytest.raises(KnowledgeFormatError) as info:
        load_knowledge(knowledge_dir)
    err = info.value
    assert err.file.endswith("station_types.yml") and entry in err.entry and field in err.field
    assert words in str(err)


def test_the_knowledge_hash_covers_station_types(knowledge_dir: Path) -> None:
    assert knowledge_dir / "station_types.yml" in knowledge_files(knowledge_dir)
    first = knowledge_hash(knowledge_dir)
    _edit(knowledge_dir / "station_types.yml", "label: 版权工作站", "label: 版权服务工作站")
    assert knowledge_hash(knowledge_dir) != first
