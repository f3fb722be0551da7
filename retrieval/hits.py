"""Typed values passed out of retrieval: chunks, sources, hits and search results."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from retrieval.schema import Status

ChunkKind = Literal["document", "rule", "station", "faq"]


class Frozen(BaseModel):
    """Immutable value; unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Frozen):
    """Where a passage comes from, for the citation shown to users (and retrieval.freshness)."""

    title: str
    number: str = ""
    date: str = ""  # source date as precise as the source: 2022-03-03, 2018-05, 2021, 约2023年, 未注明
    url: str = ""
    status: Status = Status.unknown
    demo: bool = False
    verified: bool = False  # stations: contact facts checked against a named, dated source
    reviewed_on: str = ""  # ISO date staff last confirmed the entry (已复核), "" if never


class Chunk(Frozen):
    """One indexed passage. `text` is what is indexed and shown: context header plus body."""

    chunk_id: str
    doc_id: str
    kind: ChunkKind
    title: str
    section: str = ""
    body: str
    text: str
    source: Source
    level: str = ""  # level of government of a rule or FAQ (杨浦区 / 上海市 / 国家), "" if none


class Hit(Frozen):
    """One search result."""

    chunk_id: str
    doc_id: str
    kind: ChunkKind
    title: str
    section: str
    text: str
    body: str
    score: float
    source: Source
    level: str = ""

    @classmethod
    def from_chunk(cls, chunk: Chunk, score: float) -> Hit:
        """Build a hit from an indexed chunk and its fused score."""
        return cls(score=score, **chunk.model_dump(exclude={"source"}), source=chunk.source)


class Signals(Frozen):
    """Raw evidence behind the answerable decision (for calibration and logs)."""

    top_cosine: float = 0.0  # best dense cosine among the candidates
    cosine_margin: float = 0.0  # best minus second-best dense cosine
    bm25_top: float = 0.0  # best BM25 score among the candidates
    length: int = 0  # characters of the normalised question
    coverage: float = 0.0  # best IDF-weighted share of query words found in one of the top hits
    chinese: bool = True  # the question contains Chinese characters (lexical evidence possible)
    domain: bool = False  # the question uses a word of intellectual property
    # One of the first hits holds every word of the question, one of them a term of the knowledge
    # (user dictionary, or no everyday word) that few passages use.
    complete_match: bool = False


class SearchResult(Frozen):
    """Hits best first, and whether they are good enough to answer from."""

    hits: list[Hit]
    answerable: bool  # tier certain or closest
    certain: bool = False  # answerable and close: no "closest match" note needed
    signals: Signals = Signals()
    probability: float = 0.0  # the answer model's estimate that the top hits answer the question
