"""Index work for staff: build a staged index from exported draft files, check it; hit testing."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.dense import Encoder
from retrieval.entries import knowledge_chunks
from retrieval.errors import IndexNotBuiltError, RetrievalError
from retrieval.hits import SearchResult
from retrieval.knowledge import KnowledgeBase
from retrieval.searcher import Searcher
from retrieval.store import build_index, current_target, dense_text, load_index

log = logging.getLogger(__name__)

Progress = Callable[[float], None]


class PublishCheckError(Exception):
    """A freshly built index failed its checks; the message says why, in Chinese."""


class VectorCache:
    """Passage vectors by exact text and model: a publish embeds only chunks whose text changed."""

    def __init__(self, max_items: int = 200_000) -> None:
        self.max_items = max_items
        self._vectors: dict[tuple[str, str], np.ndarray] = {}
        self._seeded: set[Path] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, fingerprint: str, text: str) -> np.ndarray | None:
        return self._vectors.get((fingerprint, text))

    def put(self, fingerprint: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        with self._lock:
            if len(self._vectors) + len(texts) > self.max_items:
                self._vectors.clear()
            for text, vector in zip(texts, vectors, strict=True):
                self._vectors[(fingerprint, text)] = vector

    def seed_from(self, index_dir: Path, encoder: Encoder) -> int:
        """Take the vectors of the build `current` points to (once per build); returns how many."""
        target = current_target(Path(index_dir))
        if target is None or target in self._seeded:
            return 0
        self._seeded.add(target)
        try:
            loaded = load_index(target, encoder.fingerprint)
            vectors = loaded.dense.reconstruct_n(0, loaded.dense.ntotal)
        except (RetrievalError, OSError, RuntimeError) as error:  # another model, or vectors not stored
            log.info("no vectors reused from %s: %s", target, error)
            return 0
        self.put(encoder.fingerprint, [dense_text(c) for c in loaded.chunks], vectors)
        return len(loaded.chunks)


class CachingEncoder:
    """Wraps an encoder: cached passages are not embedded again; reports the share of passages done."""

    def __init__(
        self, encoder: Encoder, cache: VectorCache, total: int = 0, on_progress: Progress | None = None
    ) -> None:
        self.inner = encoder
        self.model_id = encoder.model_id
        self.fingerprint = encoder.fingerprint
        self.cache = cache
        self.total = max(total, 1)
        self.done = 0
        self.embedded = 0
        self.on_progress = on_progress

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)

    def encode_documents(
        self, texts: Sequence[str], batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if self.cache.get(self.fingerprint, t) is None))
        if missing:
            self.cache.put(
                self.fingerprint, missing, self.inner.encode_documents(missing, batch_size=batch_size)
            )
            self.embedded += len(missing)
        vectors = [self.cache.get(self.fingerprint, t) for t in texts]
        self.done += len(texts)
        if self.on_progress is not None:
            self.on_progress(min(self.done / self.total, 1.0))
        return np.stack([v for v in vectors if v is not None]).astype(np.float32, copy=False)


def build_staged(
    knowledge_dir: Path,
    staging_dir: Path,
    base: KnowledgeBase,
    encoder: Encoder,
    cache: VectorCache,
    on_progress: Progress,
) -> Path:
    """Build knowledge_dir into a private staging index dir; returns the build directory."""
    total = len(knowledge_chunks(base))
    caching = CachingEncoder(encoder, cache, total, on_progress)
    report = build_index(knowledge_dir, staging_dir, caching, force=True, keep=1)
    log.info("staged build %s: %d chunks, %d embedded anew", report.path.name, total, caching.embedded)
    return report.path


def smoke_check(build_dir: Path, encoder: Encoder, questions: Sequence[str], staging_dir: Path) -> None:
    """The build loads, has chunks, and every smoke question finds hits; else PublishCheckError."""
    loaded = load_index(build_dir, encoder.fingerprint)
    if not loaded.chunks:
        raise PublishCheckError("新索引没有任何内容块，已停止发布")
    searcher = Searcher(staging_dir, encoder)
    for question in questions:
        if not searcher.search(question, k=3).hits:
            raise PublishCheckError(f"新索引对检查问题“{question}”没有返回任何结果，已停止发布")


def live_build(index_dir: Path) -> str:
    target = current_target(Path(index_dir))
    return target.name if target is not None else ""


@dataclass(frozen=True)
class HitTest:
    """Outcome of a hit test, with the build it ran against."""

    result: SearchResult
    build: str
    rebuilt: bool


class DraftSearch:
    """Hit testing: a private index of the draft, rebuilt when the draft revision changed."""

    def __init__(self, index_dir: Path, encoder: Callable[[], Encoder], cache: VectorCache) -> None:
        self.index_dir = Path(index_dir)
        self._encoder = encoder
        self.cache = cache
        self._revision = -1
        self._lock = threading.Lock()
        self._searcher: Searcher | None = None

    def search(self, question: str, k: int, revision: int, export: Callable[[Path], None]) -> HitTest:
        rebuilt = False
        with self._lock:
            encoder = self._encoder()
            if revision != self._revision or self._searcher is None:
                files = self.index_dir.parent / "draft-knowledge"
                shutil.rmtree(files, ignore_errors=True)
                export(files)
                build_index(files, self.index_dir, CachingEncoder(encoder, self.cache), keep=2)
                self._revision, rebuilt = revision, True
                self._searcher = self._searcher or Searcher(self.index_dir, encoder)
            searcher = self._searcher
        return HitTest(searcher.search(question, k=k), live_build(self.index_dir), rebuilt)


def search_live(
    index_dir: Path, encoder: Encoder, question: str, k: int, cache: dict[str, Searcher]
) -> HitTest:
    """Search the published index (the one the bot answers from)."""
    searcher = cache.get("live")
    if searcher is None:
        if current_target(Path(index_dir)) is None:
            raise IndexNotBuiltError(f"尚未发布任何索引：{index_dir}")
        searcher = cache.setdefault("live", Searcher(Path(index_dir), encoder))
    return HitTest(searcher.search(question, k=k), live_build(index_dir), False)
