"""Index directories: build → save → load gives identical results; mismatches are refused."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from retrieval.bm25 import BM25Index
from retrieval.entries import knowledge_chunks
from retrieval.errors import IndexMismatchError, IndexNotBuiltError
from retrieval.knowledge import load_knowledge
from retrieval.searcher import Searcher
from retrieval.settings import RetrievalSettings
from retrieval.store import (
    BUILDS,
    CURRENT,
    MANIFEST_FILE,
    build_index,
    current_target,
    dense_text,
    live_knowledge_dir,
    load_index,
    tokenizer_for,
)

from .conftest import FakeEncoder, write_knowledge

QUERIES = ["质押融资贴息多少", "商标品牌指导站有几个", "12330是什么电话", "ISO56005", "技术合同成交额目标"]


def _searcher(index_dir: Path, encoder: FakeEncoder) -> Searcher:
    return Searcher(index_dir, encoder, RetrievalSettings(index_dir=index_dir))


def _hits(searcher: Searcher, query: str) -> list[tuple[str, float]]:
    return [(h.chunk_id, round(h.score, 6)) for h in searcher.search(query, k=5).hits]


def test_build_writes_a_readable_directory(
    knowledge_dir: Path, tmp_path: Path, fake_encoder: FakeEncoder
) -> None:
    index_dir = tmp_path / "index"
    report = build_index(knowledge_dir, index_dir, fake_encoder)
    assert not report.skipped
    assert current_target(index_dir) == report.path
    assert os.path.islink(index_dir / CURRENT)
    names = {p.name for p in report.path.iterdir()}
    assert {"manifest.json", "chunks.jsonl", "lexical", "dense.faiss", "userdict.txt"} <= names
    manifest = json.loads((report.path / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["schema_version"] == 1
    assert manifest["model_id"] == "fake-encoder" and manifest["model_fingerprint"] == "fake-v1"
    assert manifest["counts"]["chunks"] == len(knowledge_chunks(load_knowledge(knowledge_dir)))
    assert manifest["counts"]["rules"] == 2 and manifest["dense"]["faiss"] == "flat"


def test_build_save_load_gives_identical_results(
    knowledge_dir: Path, tmp_path: Path, fake_encoder: FakeEncoder
) -> None:
    index_dir = tmp_path / "index"
    build_index(knowledge_dir, index_dir, fake_encoder)
    loaded = load_index(index_dir, fake_encoder.fingerprint)
    chunks = knowledge_chunks(load_knowledge(knowledge_dir))
    assert loaded.chunks == chunks
    tokenizer = tokenizer_for((knowledge_dir / "userdict.txt").read_text(encoding="utf-8"), False)
    fresh = BM25Index.fit([tokenizer.tokenize(c.text) for c in chunks])
    for query in QUERIES:
        tokens = loaded.tokenizer.tokenize(query)
        np.testing.assert_allclose(loaded.bm25.scores(tokens), fresh.scores(tokens), rtol=1e-6)
    vectors = fake_encoder.encode_documents([dense_text(c) for c in chunks])
    stored = loaded.dense.reconstruct_n(0, loaded.dense.ntotal)
    np.testing.assert_allclose(stored, vectors, rtol=1e-6)
    first = _searcher(index_dir, fake_encoder)
    second = _searcher(loaded.path, fake_encoder)  # a build directory works as well
    for query in QUERIES:
        assert _hits(first, query) == _hits(second, query)


def test_search_result_shape(knowledge_dir: Path, tmp_path: Path, fake_encoder: FakeEncoder) -> None:
    index_dir = tmp_path / "index"
    build_index(knowledge_dir, index_dir, fake_encoder)
    result = _searcher(index_dir, fake_encoder).search("質押融資貼息是多少", k=3)
    assert len(result.hits) == 3
    top = result.hits[0]
    assert "50%" in top.text and top.source.title
    assert top.score >= result.hits[1].score
    assert _searcher(index_dir, fake_encoder).search("   ").hits == []
    bm25_only = _searcher(index_dir, fake_encoder).search("12330", k=2, mode="bm25")
    assert "12330" in bm25_only.hits[0].text


def test_unchanged_build_is_skipped_unless_forced(
    knowledge_dir: Path, tmp_path: Path, fake_encoder: FakeEncoder
) -> None:
    index_dir = tmp_path / "index"
    first = build_index(knowledge_dir, index_dir, fake_encoder)
    again = build_index(knowledge_dir, index_dir, fake_encoder)
    assert again.skipped and again.path == first.path and fake_encoder.document_calls == 1
    forced = build_index(knowledge_dir, index_dir, fake_encoder, force=True)
    assert not forced.skipped and forced.path != first.path
    other_model = build_index(knowledge_dir, index_dir, FakeEncoder(fingerprint="fake-v2"))
    assert not other_model.skipped


def test_old_builds_are_pruned(knowledge_dir: Path, tmp_path: Path, fake_encoder: FakeEncoder) -> None:
    index_dir = tmp_path / "index"
    paths = [build_index(knowledge_dir, index_dir, fake_encoder, force=True, keep=2).path for _ in range(4)]
    remaining = sorted(p.name for p in (index_dir / BUILDS).iterdir())
    assert remaining == sorted(p.name for p in paths[-2:])
    assert current_target(index_dir) == paths[-1]


def test_missing_and_mismatched_indexes_are_refused(
    knowledge_dir: Path, tmp_path: Path, fake_encoder: FakeEncoder
) -> None:
    with pytest.raises(IndexNotBuiltError):
        load_index(tmp_path / "nothing")
    with pytest.raises(IndexNotBuiltError):
        _searcher(tmp_path / "nothing", fake_encoder).search("问题")
    index_dir = tmp_path / "index"
    report = build_index(knowledge_dir, index_dir, fake_encoder)
    with pytest.raises(IndexMismatchError, match="另一个嵌入模型"):
        load_index(index_dir, "another-model")
    with pytest.raises(IndexMismatchError):
        _searcher(index_dir, FakeEncoder(fingerprint="fake-v2")).search("问题")
    manifest_file = report.path / MANIFEST_FILE
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    manifest["schema_version"] = 99
    manifest_file.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="版本"):
        load_index(index_dir, fake_encoder.fingerprint)


def test_reader_never_errors_during_rebuilds_and_sees_the_new_build(
    knowledge_dir: Path, tmp_path: Path, fake_encoder: FakeEncoder
) -> None:
    index_dir = tmp_path / "index"
    build_index(knowledge_dir, index_dir, fake_encoder)
    searcher = _searcher(index_dir, fake_encoder)
    errors: list[BaseException] = []
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                hits = searcher.search("12330热线答复版本", k=3).hits
                seen.append(len(hits))
            except BaseException as exc:
                errors.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        for version in range(1, 4):
            faq = (knowledge_dir / "faq.yml").read_text(encoding="utf-8")
            faq = faq.replace("热线。", f"热线。答复版本{version}号。") if version == 1 else faq.replace(
                f"答复版本{version - 1}号", f"答复版本{version}号"
            )
            (knowledge_dir / "faq.yml").write_text(faq, encoding="utf-8")
            build_index(knowledge_dir, index_dir, fake_encoder, keep=2)
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=30)
    assert not errors, errors
    assert seen and all(n == 3 for n in seen)
    texts = [h.text for h in searcher.search("12330热线答复版本", k=3).hits]
    assert any("答复版本3号" in t for t in texts)
    assert searcher.index().path == current_target(index_dir)


def test_a_build_that_fails_to_load_keeps_the_old_index_serving(
    tmp_path: Path, fake_encoder: FakeEncoder
) -> None:
    knowledge_dir = write_knowledge(tmp_path / "knowledge")
    index_dir = tmp_path / "index"
    first = build_index(knowledge_dir, index_dir, fake_encoder)
    searcher = _searcher(index_dir, fake_encoder)
    before = _hits(searcher, "12330")
    second = build_index(knowledge_dir, index_dir, fake_encoder, force=True, keep=5)
    (second.path / "dense.faiss").unlink()  # a broken build was switched in
    assert _hits(searcher, "12330") == before
    assert searcher.index().path == first.path


def test_each_build_keeps_the_knowledge_it_was_made_from(
    knowledge_dir: Path, tmp_path: Path, fake_encoder: FakeEncoder
) -> None:
    index_dir = tmp_path / "index"
    assert live_knowledge_dir(index_dir) is None
    first = build_index(knowledge_dir, index_dir, fake_encoder)
    snapshot = live_knowledge_dir(index_dir)
    assert snapshot == first.path / "knowledge"
    live, source = load_knowledge(snapshot), load_knowledge(knowledge_dir)
    assert (live.documents, live.rules, live.stations, live.faq) == (
        source.documents, source.rules, source.stations, source.faq
    )
    # later edits to the source folder do not leak into the live snapshot until the next build
    (knowledge_dir / "faq.yml").write_text("faq: []\n", encoding="utf-8")
    assert load_knowledge(snapshot).faq == load_knowledge(first.path / "knowledge").faq
    assert load_knowledge(snapshot).faq != []
    second = build_index(knowledge_dir, index_dir, fake_encoder)
    assert live_knowledge_dir(index_dir) == second.path / "knowledge"
    assert load_knowledge(second.path / "knowledge").faq == []



class CountingEncoder(FakeEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.query_calls = 0

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.query_calls += 1
        return super().encode_queries(texts)


def test_a_repeated_question_is_answered_from_the_cache_until_a_new_build_is_live(
    knowledge_dir: Path, tmp_path: Path
) -> None:
    encoder = CountingEncoder()
    index_dir = tmp_path / "index"
    build_index(knowledge_dir, index_dir, encoder)
    searcher = _searcher(index_dir, encoder)
    first = searcher.search("质押融资贴息多少")
    assert searcher.search(" 質押融資貼息多少 ") is first  # same normalised question: no new encoding
    assert encoder.query_calls == 1
    rules = knowledge_dir / "rules.yml"
    text = rules.read_text(encoding="utf-8").replace("按贷款利率的50%", "按贷款利率的60%")
    rules.write_text(text, encoding="utf-8")
    build_index(knowledge_dir, index_dir, encoder)  # a publish switches `current`
    again = searcher.search("质押融资贴息多少")
    assert encoder.query_calls == 2 and again is not first
    assert any("按贷款利率的60%" in hit.text for hit in again.hits)
