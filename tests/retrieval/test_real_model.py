"""With the real offline e5 model: cross-language and traditional queries, and the CLI forms."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.dense import get_encoder
from retrieval.searcher import Searcher
from retrieval.settings import RetrievalSettings
from retrieval.store import build_index

pytestmark = pytest.mark.model
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def real_index(real_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import write_knowledge

    root = tmp_path_factory.mktemp("real")
    knowledge = write_knowledge(root / "knowledge")
    build_index(knowledge, root / "index", get_encoder(real_model_dir))
    return root / "index"


@pytest.fixture(scope="module")
def searcher(real_index: Path, real_model_dir: Path) -> Searcher:
    settings = RetrievalSettings(index_dir=real_index, model_dir=real_model_dir)
    return Searcher(real_index, get_encoder(real_model_dir), settings)


def test_traditional_and_english_questions_find_chinese_passages(searcher: Searcher) -> None:
    simplified = searcher.search("知识产权质押融资贴息多少", k=3)
    traditional = searcher.search("知識產權質押融資貼息多少", k=3)
    assert [h.chunk_id for h in simplified.hits] == [h.chunk_id for h in traditional.hits]
    assert "50%" in simplified.hits[0].text
    english = searcher.search("What is the IP complaint hotline number?", k=3)
    assert any("12330" in h.text for h in english.hits)


def test_out_of_scope_question_is_not_answerable(searcher: Searcher) -> None:
    assert searcher.search("专利质押贷款贴息是多少", k=3).answerable
    assert not searcher.search("今天天气怎么样", k=3).answerable


def test_cli_json_form(real_index: Path, real_model_dir: Path) -> None:
    env = {**os.environ, "IPGP_INDEX_DIR": str(real_index), "IPGP_MODEL_DIR": str(real_model_dir),
           "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "retrieval", "search", "--stdin", "--k", "2", "--json"],
        input="12330是什么电话\n技术合同累计成交额\n",
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300, check=True,
    )
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        hits = json.loads(line)
        assert len(hits) == 2
        for hit in hits:
            assert {"text", "doc_id", "title", "section", "score", "source"} <= set(hit)
    assert "12330" in json.loads(lines[0])[0]["text"]
    assert "500 亿" in json.loads(lines[1])[0]["text"]


def test_questions_are_encoded_without_a_progress_bar_at_info_level(
    real_model_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The action server logs at INFO, where sentence-transformers would draw a bar for every question."""
    logger = logging.getLogger("sentence_transformers")
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        encoder = get_encoder(real_model_dir)
        capfd.readouterr()
        encoder.encode_queries(["专利质押贷款贴息是多少"])
        assert "Batches" not in capfd.readouterr().err
    finally:
        logger.setLevel(level)
