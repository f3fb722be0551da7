"""The shipped knowledge with the real model: which short questions are answered, and at what level."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.dense import get_encoder
from retrieval.searcher import Searcher
from retrieval.settings import RetrievalSettings
from retrieval.store import build_index

pytestmark = pytest.mark.model
KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(scope="module")
def searcher(real_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    index = tmp_path_factory.mktemp("shipped") / "index"
    build_index(KNOWLEDGE, index, get_encoder(real_model_dir))
    settings = RetrievalSettings(index_dir=index, model_dir=real_model_dir, knowledge_dir=KNOWLEDGE)
    return Searcher(index, get_encoder(real_model_dir), settings)


@pytest.mark.parametrize("question", ["四大新兴领域", "蓝天行动是什么", "ISO56005"])
def test_a_term_of_the_knowledge_alone_is_answered_for_sure(searcher: Searcher, question: str) -> None:
    assert searcher.search(question).certain


@pytest.mark.parametrize("question", ["12345", "2026", "2025年", "杨浦哪些机构可以合作", "要准备什么材料"])
def test_numbers_and_everyday_words_are_not_lifted(searcher: Searcher, question: str) -> None:
    assert not searcher.search(question).certain


def test_a_question_naming_the_city_is_answered_from_the_citys_entries(searcher: Searcher) -> None:
    question = "我们今年在欧洲拿到了一件发明专利，想申请上海市的资助。需要准备哪些东西？"
    hits = searcher.search(question).hits
    assert hits[0].level == "上海市"
    assert [h.level for h in hits[:2]] != ["杨浦区", "杨浦区"]


def test_a_place_question_finds_the_places_own_entry(searcher: Searcher) -> None:
    assert "2.6" in searcher.search("环同济知识经济圈 面积").hits[0].text
    assert "纺织" in searcher.search("长阳创谷原来是什么厂？").hits[0].text
