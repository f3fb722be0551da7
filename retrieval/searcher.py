"""The retrieval facade: a Searcher holds the model and the current index and hot-swaps builds."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import faiss

from retrieval.calibration import get_model
from retrieval.confidence import expand_english, has_chinese, mentions_domain
from retrieval.dense import Encoder, get_encoder, search_dense
from retrieval.errors import IndexMismatchError, IndexNotBuiltError, RetrievalError
from retrieval.fusion import fuse
from retrieval.hits import Hit, SearchResult, Signals
from retrieval.levels import asked_level, asked_level_first
from retrieval.normalize import normalize_text
from retrieval.result_cache import ResultCache
from retrieval.settings import RetrievalSettings, get_settings
from retrieval.store import MANIFEST_FILE, LoadedIndex, current_target, load_index
from retrieval.tiers import capped_tier, lifted_tier

if TYPE_CHECKING:
    from retrieval.index_sync import IndexSync

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "bm25", "dense"]
COVERAGE_HITS = 3  # lexical coverage is the best share over the first few hits
FULL_COVERAGE = 0.999
LEVEL_SHARE = 0.5  # of the best score: passages this close are reordered by the level asked
RARE_SHARE = 0.05  # a term of the knowledge at most this share of the chunks use names one thing


class Searcher:
    """Thread-safe hybrid search over the current index build; reloads when `current` moves."""

    def __init__(
        self, index_dir: Path, encoder: Encoder, settings: RetrievalSettings | None = None
    ) -> None:
        self.index_dir = Path(index_dir)
        self.encoder = encoder
        self.settings = settings or get_settings()
        self._index: LoadedIndex | None = None
        self._target: Path | None = None
        self._failed: Path | None = None
        self._reload = threading.Lock()
        self._fixed = (self.index_dir / MANIFEST_FILE).is_file()  # a single build, no pointer
        self.results = ResultCache(self.settings.result_cache)
        self.sync: IndexSync | None = None  # set by from_settings when following a shared store
        faiss.omp_set_num_threads(self.settings.threads)

    def _pointer(self) -> Path | None:
        return self.index_dir if self._fixed else current_target(self.index_dir)

    @classmethod
    def from_settings(
        cls, settings: RetrievalSettings | None = None, encoder: Encoder | None = None
    ) -> Searcher:
        """A searcher over IPGP_INDEX_DIR with the model in IPGP_MODEL_DIR (loaded once); with an
        index source (scale-out) the directory first gets, then keeps following, the published build."""
        settings = settings or get_settings()
        searcher = cls(settings.index_dir, encoder or get_encoder(settings.model_dir), settings)
        source = settings.index_source_url()
        if source:
            from retrieval.index_sync import IndexSync, channel_for  # SQL only when configured

            channel = channel_for(source)
            searcher.sync = IndexSync(
                settings.index_dir, channel, settings.keep_builds, settings.index_poll_s
            )
            searcher.sync.start()
        try:
            searcher.index()  # fail fast: IndexNotBuiltError / IndexMismatchError
        except RetrievalError:
            if searcher.sync is not None:
                searcher.sync.stop()  # the caller will try again with a new searcher
            raise
        return searcher

    def index(self) -> LoadedIndex:
        """The index to search now; loads a newly switched build first (other threads keep
        using the old one while it loads)."""
        target = self._pointer()
        if self._index is not None and (target is None or target in (self._target, self._failed)):
            return self._index
        if not self._reload.acquire(blocking=self._index is None):
            return self._index  # type: ignore[return-value]  # another thread is loading
        try:
            target = self._pointer()
            if self._index is None or (target is not None and target != self._target):
                self._load(target)
        finally:
            self._reload.release()
        if self._index is None:
            raise IndexNotBuiltError(f"索引尚未构建：{self.index_dir}")
        return self._index

    def _load(self, target: Path | None) -> None:
        if target is None:
            raise IndexNotBuiltError(
                f"索引尚未构建：{self.index_dir}（请先运行 python -m retrieval build）"
            )
        try:
            loaded = load_index(target, self.encoder.fingerprint)
        except (IndexNotBuiltError, IndexMismatchError, OSError) as exc:
            if self._index is None:
                raise
            log.warning("keeping index %s; new build %s failed to load: %s", self._target, target, exc)
            self._failed = target
            return
        self._index, self._target, self._failed = loaded, target, None

    def candidates(
        self, query: str, mode: Mode = "hybrid", index: LoadedIndex | None = None
    ) -> tuple[list[str], dict[int, float], dict[int, float]]:
        """Query tokens, lexical candidates {row: bm25} and dense candidates {row: cosine}."""
        index = index or self.index()
        norm = expand_english(index.tokenizer.speller.correct(normalize_text(query)))
        n = self.settings.candidates
        tokens = index.tokenizer.tokenize(norm)
        lexical = index.bm25.top(tokens, n) if mode != "dense" else {}
        dense: dict[int, float] = {}
        if mode != "bm25" and norm:
            vector = self.encoder.encode_queries([norm])[0]
            dense = search_dense(index.dense, vector, n)
        return tokens, lexical, dense

    def rank(
        self, lexical: dict[int, float], dense: dict[int, float], mode: Mode = "hybrid"
    ) -> list[tuple[int, float]]:
        """One ranking of candidate rows, best first, for the mode and the configured fusion."""
        if mode == "bm25":
            return sorted(lexical.items(), key=lambda item: (-item[1], item[0]))
        if mode == "dense":
            return sorted(dense.items(), key=lambda item: (-item[1], item[0]))
        cfg = self.settings
        return fuse(lexical, dense, cfg.fusion_method, cfg.dense_weight, cfg.rrf_k)

    def correct(self, text: str) -> str:
        """The text with homophone typos of the knowledge base's terms corrected ("版全" → "版权")."""
        return self.index().tokenizer.speller.correct(text)

    def retrieve(self, query: str, k: int = 5, mode: Mode = "hybrid") -> tuple[list[Hit], Signals]:
        """The k best hits and the evidence about them (no answer decision)."""
        index = self.index()
        normalized = normalize_text(query)
        if not normalized:
            return [], Signals()
        tokens, lexical, dense = self.candidates(query, mode, index)
        ranked = self.rank(lexical, dense, mode)[:k]
        levels = [index.chunks[row].level for row, _ in ranked]
        top = asked_level_first(ranked, levels, asked_level(normalized), LEVEL_SHARE)
        hits = [Hit.from_chunk(index.chunks[row], score) for row, score in top]
        coverages = [(index.bm25.coverage(tokens, row), row) for row, _ in top[:COVERAGE_HITS]]
        coverage = max((share for share, _ in coverages), default=0.0)
        is_name = index.tokenizer.is_name
        complete = any(
            share >= FULL_COVERAGE and index.bm25.rare_names(tokens, row, RARE_SHARE, is_name)
            for share, row in coverages
        )
        cosines = [*sorted(dense.values(), reverse=True)[:2], 0.0, 0.0]
        signals = Signals(
            top_cosine=cosines[0],
            cosine_margin=cosines[0] - cosines[1],
            bm25_top=max(lexical.values(), default=0.0),
            length=len(normalized),
            coverage=coverage,
            chinese=has_chinese(normalized),
            domain=mentions_domain(normalized),
            complete_match=complete,
        )
        return hits, signals

    def search(self, query: str, k: int = 5, mode: Mode = "hybrid") -> SearchResult:
        """The k best hits and the answer model's tier: certain, closest (marked) or none;
        the same normalised question on the same live build is answered from the cache."""
        self.index()  # follow a newly switched build before the cache is asked
        key = (self._target, normalize_text(query), k, mode)
        result = self.results.get(key)
        if result is None:
            result = self._search(query, k, mode)
            self.results.put(key, result)
        return result

    def _search(self, query: str, k: int, mode: Mode) -> SearchResult:
        hits, signals = self.retrieve(query, k, mode)
        if not hits:
            return SearchResult(hits=[], answerable=False, signals=signals)
        model = get_model(self.settings.answer_model)
        tier = capped_tier(lifted_tier(model.tier(signals), signals), normalize_text(query), hits, signals)
        return SearchResult(
            hits=hits,
            answerable=tier != "none",
            certain=tier == "certain",
            signals=signals,
            probability=model.probability(signals),
        )
