"""Dense side: the encoder protocol, the offline sentence-transformers encoder and faiss helpers."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import faiss
import numpy as np

from retrieval.errors import ModelNotFoundError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DENSE_FILE = "dense.faiss"
_SMALL_FILE = 1 << 20  # files under 1 MiB are hashed by content, larger ones by name and size
HNSW_ABOVE = 200_000  # exact inner product is fast enough below this many chunks (measured)


class Encoder(Protocol):
    """What the index needs from an embedding model; tests use a fake with the same shape."""

    model_id: str
    fingerprint: str

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors of questions."""
        ...

    def encode_documents(
        self, texts: Sequence[str], batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        """L2-normalised float32 vectors of passages."""
        ...


MODEL_MANIFEST = "ipgp-model.json"  # written last by retrieval.e5_model


def model_fingerprint(model_dir: Path) -> str:
    """sha256 of the model builder's manifest; without one, of the folder's small files and sizes."""
    if not (model_dir / "modules.json").is_file():
        raise ModelNotFoundError(
            f"未找到嵌入模型：{model_dir}（请先运行 python -m retrieval.e5_model --out {model_dir}）"
        )
    manifest = model_dir / MODEL_MANIFEST
    if manifest.is_file():
        return hashlib.sha256(manifest.read_bytes()).hexdigest()
    digest = hashlib.sha256()
    for file in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        rel = file.relative_to(model_dir).as_posix()
        size = file.stat().st_size
        digest.update(f"{rel}\0{size}\0".encode())
        if size < _SMALL_FILE:
            digest.update(file.read_bytes())
    return digest.hexdigest()


def model_id(model_dir: Path) -> str:
    """Model id from the builder's manifest (e.g. intfloat/multilingual-e5-small), else the folder."""
    manifest = model_dir / MODEL_MANIFEST
    if manifest.is_file():
        data: Any = json.loads(manifest.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("model"), str) and data["model"].strip():
            dtype = data.get("dtype", "")
            name = str(data["model"]).split()[0]
            return f"{name}@{dtype}" if dtype else name
    return model_dir.name


ComputeDtype = Literal["auto", "float32", "bfloat16"]


def native_bf16() -> bool:
    """True if the CPU has bfloat16 arithmetic (AVX512-BF16 or AMX); read from /proc/cpuinfo."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def resolve_dtype(dtype: ComputeDtype) -> str:
    """'auto' becomes bfloat16 where the CPU computes it natively, else float32."""
    if dtype == "auto":
        return "bfloat16" if native_bf16() else "float32"
    return dtype


class SentenceTransformerEncoder:
    """multilingual-e5 through sentence-transformers, loaded lazily once, offline, on CPU.

    The compute dtype is part of the fingerprint: an index built with float32 vectors is not
    served with bfloat16 queries (or the reverse) without a rebuild.
    """

    def __init__(self, model_dir: Path, threads: int = 1, dtype: ComputeDtype = "float32") -> None:
        self.model_dir = Path(model_dir)
        self.threads = threads
        self.dtype = resolve_dtype(dtype)
        self.fingerprint = f"{model_fingerprint(self.model_dir)}:{self.dtype}"
        self.model_id = f"{model_id(self.model_dir)} ({self.dtype})"
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> SentenceTransformer:
        """The loaded model (first use loads it)."""
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                import torch
                from sentence_transformers import SentenceTransformer

                set_threads(self.threads)
                # float32 keeps the default load, which maps the weights file instead of copying it.
                kwargs = {"dtype": torch.bfloat16} if self.dtype == "bfloat16" else {}
                self._model = SentenceTransformer(
                    str(self.model_dir), device="cpu", local_files_only=True, model_kwargs=kwargs
                )
            return self._model

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of questions (prompt "query")."""
        # No progress bar: sentence-transformers draws one per call when its logger is at INFO (the action
        # server's level), a line of tqdm output in the log for every question.
        vectors = self.model.encode_query(
            list(texts), convert_to_tensor=True, batch_size=32, show_progress_bar=False
        )
        return _unit(vectors)

    def encode_documents(
        self, texts: Sequence[str], batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        """Vectors of passages (prompt "document"), optionally with a progress bar."""
        vectors = self.model.encode_document(
            list(texts), convert_to_tensor=True, batch_size=batch_size, show_progress_bar=progress
        )
        return _unit(vectors)


def _unit(vectors: Any) -> np.ndarray:
    """float32 rows of unit length (normalised after leaving bfloat16)."""
    array = np.asarray(vectors.float().cpu().numpy(), dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return np.ascontiguousarray(array / np.maximum(norms, 1e-12))


def set_threads(threads: int) -> None:
    """CPU threads of torch and faiss for this process.

    One thread by default: on the shared 2-core machine, two OpenMP threads made a single-query
    encode ~10x slower and a 10k flat search ~30x slower under load (spinning); BENCHMARKS.md.
    """
    import torch

    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)


def get_encoder(
    model_dir: Path, threads: int | None = None, dtype: ComputeDtype | None = None
) -> SentenceTransformerEncoder:
    """One encoder per model folder per process (threads and dtype from IPGP_THREADS/IPGP_DTYPE)."""
    if threads is None or dtype is None:
        from retrieval.settings import get_settings

        settings = get_settings()
        threads = settings.threads if threads is None else threads
        dtype = settings.dtype if dtype is None else dtype
    return _encoder(Path(model_dir).resolve(), threads, resolve_dtype(dtype))


@lru_cache(maxsize=4)
def _encoder(model_dir: Path, threads: int, dtype: str) -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(model_dir, threads, "bfloat16" if dtype == "bfloat16" else "float32")


def build_faiss(vectors: np.ndarray, kind: str = "auto") -> faiss.Index:
    """Inner-product index over normalised vectors: exact (flat) or HNSW for very large corpora."""
    dim = int(vectors.shape[1])
    if kind == "auto":
        kind = "hnsw" if vectors.shape[0] > HNSW_ABOVE else "flat"
    index: faiss.Index
    if kind == "hnsw":
        hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 80
        hnsw.hnsw.efSearch = 64
        index = hnsw
    else:
        index = faiss.IndexFlatIP(dim)
    if vectors.shape[0]:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def faiss_kind(index: faiss.Index) -> str:
    """'hnsw' or 'flat'."""
    return "hnsw" if isinstance(index, faiss.IndexHNSWFlat) else "flat"


def search_dense(index: faiss.Index, query: np.ndarray, n: int) -> dict[int, float]:
    """The n nearest chunks by cosine, as {row: cosine}."""
    n = min(n, int(index.ntotal))
    if n <= 0:
        return {}
    scores, rows = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), n)
    return {int(r): float(s) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0}


def save_faiss(index: faiss.Index, directory: Path) -> None:
    """Write dense.faiss."""
    faiss.write_index(index, str(directory / DENSE_FILE))


def load_faiss(directory: Path) -> faiss.Index:
    """Read dense.faiss."""
    return faiss.read_index(str(directory / DENSE_FILE))
