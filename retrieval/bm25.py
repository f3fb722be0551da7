"""Okapi BM25 over token lists: fit, score, save and load as a directory of readable files."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

PARAMS_FILE = "params.json"
VOCAB_FILE = "vocab.json"
WEIGHTS_FILE = "weights.npz"


_NUMBERISH = re.compile(r"[\d.,%]+\D?")  # 12345, 2025年, 3.14, 100万


def is_word(token: str) -> bool:
    """A token of two or more characters that is not a number, with or without a unit."""
    return len(token) >= 2 and not _NUMBERISH.fullmatch(token)


def _parts(token: str, tokens: set[str]) -> list[str]:
    """The other tokens inside `token`, when they spell out all of it; else none."""
    return [part for part in tokens if part != token and part in token] if is_compound(token, tokens) else []


def is_compound(token: str, tokens: set[str]) -> bool:
    """True when the other tokens spell out every character of `token`: search-mode segmentation
    adds "蓝天行动" next to "蓝天" and "行动", and the knowledge may write it as “蓝天”行动."""
    covered = [False] * len(token)
    for part in tokens:
        if part == token or part not in token:
            continue
        start = token.find(part)
        while start >= 0:
            covered[start : start + len(part)] = [True] * len(part)
            start = token.find(part, start + 1)
    return len(token) > 1 and all(covered)


class BM25Index:
    """BM25 term weights precomputed per (chunk, term): a query sums a few columns."""

    def __init__(
        self, vocab: dict[str, int], weights: sparse.csc_matrix, k1: float, b: float
    ) -> None:
        self.vocab = vocab
        self.weights = weights.tocsc()
        self.k1 = k1
        self.b = b
        self.weights.sort_indices()
        self._idf = self.idf()

    @property
    def n_docs(self) -> int:
        """Number of indexed chunks."""
        return int(self.weights.shape[0])

    @classmethod
    def fit(cls, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        """Index tokenised chunks (Lucene idf: log(1 + (N - df + 0.5) / (df + 0.5)))."""
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[float] = []
        lengths = np.array([len(d) for d in docs], dtype=np.float64)
        for row, tokens in enumerate(docs):
            for token, tf in Counter(tokens).items():
                rows.append(row)
                cols.append(vocab.setdefault(token, len(vocab)))
                tfs.append(tf)
        n = len(docs)
        tf_arr = np.asarray(tfs, dtype=np.float64)
        row_arr = np.asarray(rows, dtype=np.int64)
        col_arr = np.asarray(cols, dtype=np.int64)
        df = np.bincount(col_arr, minlength=len(vocab)).astype(np.float64)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        avgdl = float(lengths.mean()) if n and lengths.sum() else 1.0
        norm = k1 * (1.0 - b + b * lengths[row_arr] / avgdl)
        values = idf[col_arr] * tf_arr * (k1 + 1.0) / (tf_arr + norm)
        weights = sparse.csc_matrix(
            (values.astype(np.float32), (row_arr, col_arr)), shape=(n, len(vocab))
        )
        return cls(vocab, weights, k1, b)

    def term_ids(self, tokens: Sequence[str]) -> list[int]:
        """Ids of the distinct query tokens that occur in the index."""
        return sorted({self.vocab[t] for t in tokens if t in self.vocab})

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every chunk for the distinct query tokens."""
        ids = self.term_ids(tokens)
        if not ids:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.weights[:, ids].sum(axis=1)).ravel()

    def top(self, tokens: Sequence[str], n: int) -> dict[int, float]:
        """The n best chunks with a positive score, as {row: score}."""
        scores = self.scores(tokens)
        positive = np.flatnonzero(scores > 0)
        if positive.size > n:
            positive = positive[np.argpartition(-scores[positive], n - 1)[:n]]
        return {int(i): float(scores[i]) for i in positive}

    def idf(self) -> np.ndarray:
        """Inverse document frequency of every term (from the stored weights' document counts)."""
        df = np.diff(self.weights.indptr).astype(np.float64)
        return np.log1p((self.n_docs - df + 0.5) / (df + 0.5))

    def coverage(self, tokens: Sequence[str], row: int) -> float:
        """IDF-weighted share of the distinct query tokens that occur in chunk `row`.

        Tokens unknown to the index weigh as much as the rarest possible term, so a question
        about something the knowledge base never mentions scores low.
        """
        distinct = set(tokens)
        if not distinct:
            return 0.0
        idf = self._idf
        unknown = float(np.log1p((self.n_docs + 0.5) / 0.5))
        total = found = 0.0
        for token in distinct:
            tid = self.vocab.get(token)
            if tid is None:
                if not is_compound(token, distinct):
                    total += unknown
                continue
            total += float(idf[tid])
            if self.occurs(tid, row):
                found += float(idf[tid])
        return found / total if total else 0.0

    def occurs(self, tid: int, row: int) -> bool:
        """True when term `tid` occurs in chunk `row`."""
        start, end = self.weights.indptr[tid], self.weights.indptr[tid + 1]
        column = self.weights.indices[start:end]
        pos = int(np.searchsorted(column, row))
        return pos < column.size and column[pos] == row

    def rare_names(
        self, tokens: Sequence[str], row: int, max_share: float, is_name: Callable[[str], bool]
    ) -> list[str]:
        """Names among the query tokens (not numbers) that chunk `row` holds and at most `max_share`
        of the chunks use. A name the index lacks counts when the chunk holds the query tokens that
        spell it out ("蓝天行动", written “蓝天”行动)."""
        limit = max(1, int(max_share * self.n_docs))
        df = np.diff(self.weights.indptr)
        distinct = set(tokens)
        found = []
        for token in dict.fromkeys(tokens):
            if not (is_word(token) and is_name(token)):
                continue
            parts = [token] if token in self.vocab else _parts(token, distinct)
            ids = [self.vocab.get(part) for part in parts]
            known = [tid for tid in ids if tid is not None]
            if parts and len(known) == len(ids) and all(self.occurs(tid, row) for tid in known):
                if min(int(df[tid]) for tid in known) <= limit:
                    found.append(token)
        return found

    def save(self, directory: Path) -> None:
        """Write params.json, vocab.json (token -> column) and weights.npz."""
        directory.mkdir(parents=True, exist_ok=True)
        params = {"k1": self.k1, "b": self.b, "n_docs": self.n_docs, "n_terms": len(self.vocab)}
        (directory / PARAMS_FILE).write_text(json.dumps(params, indent=2), encoding="utf-8")
        (directory / VOCAB_FILE).write_text(
            json.dumps(self.vocab, ensure_ascii=False, indent=0), encoding="utf-8"
        )
        self.weights.sort_indices()
        sparse.save_npz(directory / WEIGHTS_FILE, self.weights, compressed=False)

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        """Read an index written by save()."""
        params = json.loads((directory / PARAMS_FILE).read_text(encoding="utf-8"))
        vocab = json.loads((directory / VOCAB_FILE).read_text(encoding="utf-8"))
        weights = sparse.load_npz(directory / WEIGHTS_FILE).tocsc()
        weights.sort_indices()
        return cls(vocab, weights, float(params["k1"]), float(params["b"]))
