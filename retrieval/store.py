"""Index directories on disk: build into a new directory, switch `current` atomically, load."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError
from tqdm import tqdm

from retrieval.bm25 import BM25Index
from retrieval.dense import Encoder, build_faiss, faiss_kind, load_faiss, save_faiss
from retrieval.entries import knowledge_chunks
from retrieval.errors import IndexCorruptError, IndexMismatchError, IndexNotBuiltError
from retrieval.hits import Chunk
from retrieval.knowledge import KnowledgeBase, knowledge_hash, load_knowledge, parse_userdict
from retrieval.normalize import normalize_text
from retrieval.tokenizer import Tokenizer

SCHEMA_VERSION = 1
CURRENT = "current"
BUILDS = "builds"
SNAPSHOT_DIR = "knowledge"  # the knowledge files a build was made from, for readers that route by them
MANIFEST_FILE = "manifest.json"
CHUNKS_FILE = "chunks.jsonl"
LEXICAL_DIR = "lexical"
USERDICT_FILE = "userdict.txt"
BIGRAMS = False  # Han bigrams measured: no gain on the dev set (see BENCHMARKS.md)
_PIPELINE_FILES = ("normalize.py", "tokenizer.py", "chunking.py", "entries.py", "bm25.py", "store.py")


class Manifest(BaseModel):
    """What an index was built from and with; load refuses a mismatch."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int
    build_id: str
    created_at: str
    knowledge_hash: str
    pipeline_hash: str
    model_id: str
    model_fingerprint: str
    dim: int
    counts: dict[str, int]
    lexical: dict[str, Any]
    dense: dict[str, Any]
    fusion: dict[str, Any]
    build_seconds: float


@dataclass(frozen=True)
class LoadedIndex:
    """Everything a searcher needs, fully in memory."""

    path: Path
    manifest: Manifest
    chunks: list[Chunk]
    bm25: BM25Index
    dense: faiss.Index
    tokenizer: Tokenizer


@dataclass(frozen=True)
class BuildReport:
    """Outcome of build_index."""

    path: Path
    skipped: bool
    seconds: float
    manifest: Manifest


def pipeline_hash() -> str:
    """Hash of the code that turns knowledge into index files (a change forces a rebuild)."""
    digest = hashlib.sha256(f"schema={SCHEMA_VERSION};bigrams={BIGRAMS}".encode())
    here = Path(__file__).parent
    for name in _PIPELINE_FILES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def dense_text(chunk: Chunk) -> str:
    """The text embedded for a chunk: section path and body for documents (the long document
    title repeated in every chunk blurs the vectors; BM25 still sees it), full text otherwise."""
    if chunk.kind == "document" and chunk.section:
        return normalize_text(f"{chunk.section}\n{chunk.body}")
    if chunk.kind == "document":
        return normalize_text(chunk.body)
    return normalize_text(chunk.text)


@lru_cache(maxsize=4)
def tokenizer_for(userdict_text: str, bigrams: bool) -> Tokenizer:
    """One tokenizer per distinct user dictionary (jieba start-up costs ~0.7 s)."""
    return Tokenizer(parse_userdict(userdict_text), bigrams=bigrams)


def live_knowledge_dir(index_dir: Path) -> Path | None:
    """The knowledge files the live build was made from (a snapshot inside it), or None."""
    target = current_target(Path(index_dir))
    snapshot = target / SNAPSHOT_DIR if target is not None else None
    return snapshot if snapshot is not None and snapshot.is_dir() else None


def current_target(index_dir: Path) -> Path | None:
    """The build directory `current` points to, or None (a cheap readlink)."""
    try:
        return index_dir / os.readlink(index_dir / CURRENT)
    except (FileNotFoundError, OSError):
        return None


def read_manifest(build_dir: Path) -> Manifest:
    """Parse a build's manifest.json."""
    file = build_dir / MANIFEST_FILE
    if not file.is_file():
        raise IndexNotBuiltError(f"索引不存在：{build_dir}（请先运行 python -m retrieval build）")
    try:
        return Manifest.model_validate_json(file.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise IndexMismatchError(f"索引清单格式不符（请重新构建）：{file}: {exc}") from exc


def _check_manifest(manifest: Manifest, expected_fingerprint: str | None, path: Path) -> None:
    if manifest.schema_version != SCHEMA_VERSION:
        raise IndexMismatchError(
            f"索引格式版本 {manifest.schema_version} 与程序版本 {SCHEMA_VERSION} 不符：{path}；"
            "请运行 python -m retrieval build --force"
        )
    if expected_fingerprint is not None and manifest.model_fingerprint != expected_fingerprint:
        raise IndexMismatchError(
            f"索引由另一个嵌入模型构建（{manifest.model_id}，{manifest.model_fingerprint[:12]}）："
            f"{path}；请运行 python -m retrieval build --force"
        )


def resolve_build(path: Path) -> Path:
    """A build directory itself, or the target of `current` inside an index directory."""
    if (path / MANIFEST_FILE).is_file():
        return path
    target = current_target(path)
    if target is None or not target.is_dir():
        raise IndexNotBuiltError(f"索引尚未构建：{path}（请先运行 python -m retrieval build）")
    return target


def load_index(path: Path, expected_fingerprint: str | None = None) -> LoadedIndex:
    """Load a build (or the current build of an index dir); refuse a mismatched schema or model."""
    build = resolve_build(Path(path))
    manifest = read_manifest(build)
    _check_manifest(manifest, expected_fingerprint, build)
    try:
        with (build / CHUNKS_FILE).open(encoding="utf-8") as handle:
            chunks = [Chunk.model_validate_json(line) for line in handle if line.strip()]
        bm25 = BM25Index.load(build / LEXICAL_DIR)
        dense = load_faiss(build)
        userdict = (build / USERDICT_FILE).read_text(encoding="utf-8")
    except (OSError, ValueError, KeyError, RuntimeError) as exc:  # faiss reports I/O as RuntimeError
        raise IndexCorruptError(f"索引文件缺失或损坏（请重新构建）：{build}: {exc}") from exc
    if not len(chunks) == bm25.n_docs == dense.ntotal:
        raise IndexCorruptError(f"索引文件不一致（块数不同）：{build}")
    tokenizer = tokenizer_for(userdict, bool(manifest.lexical.get("bigrams", False)))
    return LoadedIndex(build, manifest, chunks, bm25, dense, tokenizer)


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".build.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def switch_current(index_dir: Path, build_dir: Path) -> None:
    """Point `current` at build_dir atomically (a temporary symlink renamed over the old one)."""
    tmp = index_dir / f".{CURRENT}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(build_dir, index_dir), tmp)
    os.replace(tmp, index_dir / CURRENT)


def install_build(build_dir: Path, index_dir: Path, keep: int) -> Path:
    """Move a finished build (made elsewhere, e.g. staged or unpacked) under index_dir/builds and
    switch `current` to it; a build of that id already there (another installer) is reused."""
    index_dir = Path(index_dir)
    with _build_lock(index_dir):
        builds = index_dir / BUILDS
        builds.mkdir(parents=True, exist_ok=True)
        final = builds / build_dir.name
        if not (final / MANIFEST_FILE).is_file():
            shutil.rmtree(final, ignore_errors=True)  # never a half build under a final name
            try:
                os.rename(build_dir, final)
            except OSError:  # another file system: copy under a hidden name, then rename into place
                tmp = builds / f".tmp-{build_dir.name}-{uuid.uuid4().hex[:8]}"
                shutil.copytree(build_dir, tmp)
                os.rename(tmp, final)
        switch_current(index_dir, final)
        prune_builds(index_dir, keep)
        return final


def prune_builds(index_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` builds, never the current one; return what was removed."""
    builds_dir = index_dir / BUILDS
    if not builds_dir.is_dir():
        return []
    current = current_target(index_dir)
    current_name = current.name if current else None
    builds = sorted((p for p in builds_dir.iterdir() if p.is_dir()), key=lambda p: p.name)
    removed = []
    for build in builds:
        stale_tmp = build.name.startswith(".") and time.time() - build.stat().st_mtime > 3600
        if build.name.startswith(".") and not stale_tmp:
            continue
        kept = [b for b in builds if not b.name.startswith(".")][-keep:]
        if build in kept or build.name == current_name:
            continue
        shutil.rmtree(build, ignore_errors=True)
        removed.append(build)
    return removed


def _same_inputs(
    index_dir: Path, k_hash: str, fingerprint: str
) -> tuple[Path, Manifest] | None:
    target = current_target(index_dir)
    if target is None:
        return None
    try:
        manifest = read_manifest(target)
    except (IndexNotBuiltError, IndexMismatchError):
        return None
    same = (
        manifest.schema_version == SCHEMA_VERSION
        and manifest.knowledge_hash == k_hash
        and manifest.model_fingerprint == fingerprint
        and manifest.pipeline_hash == pipeline_hash()
    )
    return (target, manifest) if same else None


def encode_chunks(
    encoder: Encoder, chunks: list[Chunk], batch_size: int = 32, progress: bool = False
) -> np.ndarray:
    """Embed chunks in length-sorted batches (less padding), with an optional tqdm bar."""
    texts = [dense_text(c) for c in chunks]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    parts = []
    for start in tqdm(range(0, len(order), batch_size), desc="编码", unit="批", disable=not progress):
        batch = [texts[i] for i in order[start : start + batch_size]]
        parts.append(encoder.encode_documents(batch, batch_size=batch_size))
    if not parts:
        return np.zeros((0, 0), dtype=np.float32)
    vectors = np.concatenate(parts)
    result = np.empty_like(vectors)
    result[np.asarray(order)] = vectors
    return result


def write_build(
    build_dir: Path,
    chunks: list[Chunk],
    tokenizer: Tokenizer,
    vectors: np.ndarray,
    userdict_text: str,
    manifest_fields: dict[str, Any],
    faiss_type: str = "auto",
) -> Manifest:
    """Write chunks, lexical and dense indexes and the manifest (last) into build_dir."""
    build_dir.mkdir(parents=True)
    with (build_dir / CHUNKS_FILE).open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(chunk.model_dump_json() + "\n")
    bm25 = BM25Index.fit([tokenizer.tokenize(c.text) for c in chunks])
    bm25.save(build_dir / LEXICAL_DIR)
    index = build_faiss(vectors, faiss_type)
    save_faiss(index, build_dir)
    (build_dir / USERDICT_FILE).write_text(userdict_text, encoding="utf-8")
    manifest = Manifest(
        **manifest_fields,
        dim=int(vectors.shape[1]) if vectors.size else 0,
        lexical={"k1": bm25.k1, "b": bm25.b, "bigrams": tokenizer.bigrams, "terms": len(bm25.vocab)},
        dense={"faiss": faiss_kind(index), "metric": "inner_product"},
    )
    (build_dir / MANIFEST_FILE).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    return manifest


def _userdict_text(base: KnowledgeBase) -> str:
    return "".join(
        " ".join(str(p) for p in (w.word, w.freq, w.tag) if p is not None) + "\n"
        for w in base.userdict
    )


def build_index(
    knowledge_dir: Path,
    index_dir: Path,
    encoder: Encoder,
    *,
    force: bool = False,
    keep: int = 3,
    progress: bool = False,
    fusion: dict[str, Any] | None = None,
    faiss_type: str = "auto",
) -> BuildReport:
    """Build knowledge_dir into index_dir/builds/<id>/ and switch `current` to it.

    Skips the work when knowledge, model and pipeline are unchanged, unless force is set.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    with _build_lock(index_dir):
        k_hash = knowledge_hash(Path(knowledge_dir))
        unchanged = None if force else _same_inputs(index_dir, k_hash, encoder.fingerprint)
        if unchanged is not None:
            target, manifest = unchanged
            return BuildReport(target, True, time.perf_counter() - started, manifest)
        base = load_knowledge(Path(knowledge_dir))
        chunks = knowledge_chunks(base)
        userdict_text = _userdict_text(base)
        tokenizer = tokenizer_for(userdict_text, BIGRAMS)
        vectors = encode_chunks(encoder, chunks, progress=progress)
        now = datetime.now(UTC)
        build_id = f"{now:%Y%m%dT%H%M%S%f}-{k_hash[:8]}"
        builds_dir = index_dir / BUILDS
        builds_dir.mkdir(parents=True, exist_ok=True)
        tmp_dir = builds_dir / f".tmp-{build_id}"
        kinds = ("document", "rule", "station", "faq")
        counts = {f"{k}_chunks": sum(c.kind == k for c in chunks) for k in kinds}
        counts.update(chunks=len(chunks), documents=len(base.documents), rules=len(base.rules),
                      stations=len(base.stations), faq=len(base.faq))
        fields = {
            "schema_version": SCHEMA_VERSION,
            "build_id": build_id,
            "created_at": now.isoformat(timespec="seconds"),
            "knowledge_hash": k_hash,
            "pipeline_hash": pipeline_hash(),
            "model_id": encoder.model_id,
            "model_fingerprint": encoder.fingerprint,
            "counts": counts,
            "fusion": fusion or {},
            "build_seconds": round(time.perf_counter() - started, 3),
        }
        manifest = write_build(tmp_dir, chunks, tokenizer, vectors, userdict_text, fields, faiss_type)
        shutil.copytree(knowledge_dir, tmp_dir / SNAPSHOT_DIR)
        final = builds_dir / build_id
        os.rename(tmp_dir, final)
        switch_current(index_dir, final)
        prune_builds(index_dir, keep)
        return BuildReport(final, False, time.perf_counter() - started, manifest)


def manifest_json(manifest: Manifest) -> str:
    """Pretty JSON of a manifest (for the CLI)."""
    return json.dumps(manifest.model_dump(mode="json"), ensure_ascii=False, indent=2)
