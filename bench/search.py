"""Retrieval benchmarks: query latency, build time and memory; growth over synthetic 1k/10k/100k corpora.

python -m bench.search                          # latency and memory on the dev questions
python -m bench.search --growth --sizes 1000,10000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.stats import percentile
from retrieval.cli import quiet_logs
from retrieval.dense import Encoder, get_encoder, search_dense
from retrieval.errors import RetrievalError
from retrieval.evaluation import read_jsonl
from retrieval.fusion import fuse
from retrieval.hits import Chunk, Source
from retrieval.normalize import normalize_text
from retrieval.searcher import Searcher
from retrieval.settings import RetrievalSettings, get_settings
from retrieval.store import (
    build_index,
    encode_chunks,
    load_index,
    pipeline_hash,
    resolve_build,
    tokenizer_for,
    write_build,
)


def rss_mb() -> tuple[float, float]:
    """Current and peak resident memory of this process, in MB (Linux /proc)."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def dev_questions(path: Path) -> list[str]:
    """Every question of the dev file (fact, out-of-scope, chitchat and first route turns)."""
    questions = []
    for row in read_jsonl(path):
        if "question" in row:
            questions.append(str(row["question"]))
        elif row.get("turns"):
            questions.append(str(row["turns"][0]))
    return questions


def time_queries(searcher: Searcher, questions: Sequence[str], rounds: int) -> dict[str, float]:
    """End-to-end search latency and the mean of each stage, in ms."""
    for question in questions[:3]:
        searcher.search(question)  # warm-up
    index = searcher.index()
    total: list[float] = []
    cpu: list[float] = []
    stages: dict[str, list[float]] = {"tokenise": [], "bm25": [], "encode": [], "faiss": [], "fuse": []}
    n = searcher.settings.candidates
    for _ in range(rounds):
        for question in questions:
            t0, c0 = time.perf_counter(), time.process_time()
            searcher.search(question, k=5)
            total.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            marks = [time.perf_counter()]
            tokens = index.tokenizer.tokenize(normalize_text(question))
            marks.append(time.perf_counter())
            lexical = index.bm25.top(tokens, n)
            marks.append(time.perf_counter())
            vector = searcher.encoder.encode_queries([normalize_text(question)])[0]
            marks.append(time.perf_counter())
            dense = search_dense(index.dense, vector, n)
            marks.append(time.perf_counter())
            fuse(lexical, dense, searcher.settings.fusion_method, searcher.settings.dense_weight)
            marks.append(time.perf_counter())
            for name, start, end in zip(stages, marks, marks[1:], strict=False):
                stages[name].append((end - start) * 1000)
    result = {"queries": float(len(total)), "p50": percentile(total, 50), "p95": percentile(total, 95),
              "mean": statistics.fmean(total), "cpu_p50": percentile(cpu, 50),
              "cpu_p95": percentile(cpu, 95)}
    result.update({f"{k}_mean": statistics.fmean(v) for k, v in stages.items()})
    return result


def _timed(fn: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def run_latency(settings: RetrievalSettings, dev: Path, rounds: int) -> int:
    """The default benchmark: model/index load, query latency, full build, memory."""
    before = rss_mb()[0]
    encoder = get_encoder(settings.model_dir)
    _, model_s = _timed(lambda: encoder.model)
    searcher = Searcher(settings.index_dir, encoder, settings)
    _, index_s = _timed(searcher.index)
    loaded_rss = rss_mb()[0]
    stats = time_queries(searcher, dev_questions(dev), rounds)
    tmp = Path(tempfile.mkdtemp(prefix="ipgp-bench-"))
    cpu_start = time.process_time()
    try:
        report, build_s = _timed(
            lambda: build_index(settings.knowledge_dir, tmp / "index", encoder, force=True)
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    build_cpu = time.process_time() - cpu_start
    rss, peak = rss_mb()
    chunks = len(searcher.index().chunks)
    print(f"index: {resolve_build(settings.index_dir)} ({chunks} chunks)")
    print(f"model load {model_s:.2f} s, index load {index_s * 1000:.0f} ms; "
          f"load average {Path('/proc/loadavg').read_text().split()[0]} on {os.cpu_count()} CPUs")
    print(f"query latency over {int(stats['queries'])} searches (k=5, hybrid): "
          f"p50 {stats['p50']:.1f} ms, p95 {stats['p95']:.1f} ms, mean {stats['mean']:.1f} ms; "
          f"CPU time p50 {stats['cpu_p50']:.1f} ms, p95 {stats['cpu_p95']:.1f} ms")
    print("  stage means: " + ", ".join(
        f"{k} {stats[f'{k}_mean']:.2f} ms" for k in ("tokenise", "bm25", "encode", "faiss", "fuse")))
    print(f"full build with the model loaded: {build_s:.1f} s wall, {build_cpu:.1f} s CPU "
          f"(cold `python -m retrieval build --force` adds the model load, {model_s:.1f} s)")
    print(f"memory: RSS before model {before:.0f} MB, with model and index {loaded_rss:.0f} MB, "
          f"now {rss:.0f} MB, peak {peak:.0f} MB")
    del report
    return 0


def source_sentences(chunks: Sequence[Chunk]) -> list[str]:
    """Real sentences of the knowledge base, to recombine into synthetic chunks."""
    sentences: list[str] = []
    for chunk in chunks:
        sentences.extend(s for s in re.split(r"(?<=[。；\n])", chunk.body) if len(s.strip()) >= 8)
    return sorted(set(s.strip() for s in sentences))


def synthetic_chunks(sentences: Sequence[str], n: int, seed: int = 7) -> list[Chunk]:
    """n chunks of 2-4 recombined real sentences each, with synthetic titles and sections."""
    rng = random.Random(seed)
    source = Source(title="合成测试文档")
    chunks = []
    for i in range(n):
        body = "".join(rng.sample(list(sentences), rng.randint(2, 4)))
        doc, section = f"synthetic-{i // 50:05d}", f"第{i % 50 + 1}节"
        chunks.append(Chunk(chunk_id=f"document:{doc}#{i % 50:03d}", doc_id=doc, kind="document",
                            title=f"合成文档{i // 50}", section=section, body=body,
                            text=f"《合成文档{i // 50}》\n{section}\n{body}", source=source))
    return chunks


def noisy_copies(real: np.ndarray, n: int, sigma: float = 0.02, seed: int = 7) -> np.ndarray:
    """n unit vectors: the real ones, then copies of them plus Gaussian noise (renormalised)."""
    rng = np.random.default_rng(seed)
    picks = np.arange(n) % real.shape[0]
    vectors = real[picks] + rng.normal(0.0, sigma, (n, real.shape[1])).astype(np.float32)
    vectors[: real.shape[0]] = real[: min(n, real.shape[0])]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def run_growth(settings: RetrievalSettings, sizes: Sequence[int], encode_limit: int) -> int:
    """Build synthetic corpora of the given sizes and report build time, latency and memory."""
    encoder = get_encoder(settings.model_dir)
    base = load_index(settings.index_dir, encoder.fingerprint)
    sentences = source_sentences(base.chunks)
    questions = dev_questions(Path("../shared/eval/dev.jsonl"))
    userdict = (resolve_build(settings.index_dir) / "userdict.txt").read_text(encoding="utf-8")
    largest = max(sizes)
    all_chunks = synthetic_chunks(sentences, largest)
    n_real = min(encode_limit, largest)
    start = time.perf_counter()
    real = encode_chunks(encoder, all_chunks[:n_real], batch_size=64)
    encode_s = time.perf_counter() - start
    per_chunk = encode_s / max(1, n_real)
    print(f"{len(sentences)} real sentences recombined; encoded {n_real} synthetic chunks for real in "
          f"{encode_s:.1f} s ({per_chunk * 1000:.1f} ms/chunk); larger corpora reuse these vectors "
          "with Gaussian noise (σ=0.02, renormalised)")
    rows = []
    for size in sorted(sizes):
        rows.extend(_growth_one(settings, encoder, all_chunks[:size], real, per_chunk, userdict, questions))
    print(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


def _growth_one(
    settings: RetrievalSettings,
    encoder: Encoder,
    chunks: list[Chunk],
    real: np.ndarray,
    per_chunk: float,
    userdict: str,
    questions: Sequence[str],
) -> list[dict[str, object]]:
    size = len(chunks)
    vectors = real[:size] if size <= real.shape[0] else noisy_copies(real, size)
    tokenizer = tokenizer_for(userdict, False)
    rows: list[dict[str, object]] = []
    tmp = Path(tempfile.mkdtemp(prefix="ipgp-growth-"))
    try:
        for kind in ("flat", "hnsw") if size >= 50_000 else ("flat",):
            fields = {"schema_version": 1, "build_id": f"growth-{size}-{kind}", "created_at": "",
                      "knowledge_hash": "synthetic", "pipeline_hash": pipeline_hash(),
                      "model_id": encoder.model_id, "model_fingerprint": encoder.fingerprint,
                      "counts": {"chunks": size}, "fusion": {}, "build_seconds": 0.0}
            build_dir = tmp / f"{size}-{kind}"
            start = time.perf_counter()
            write_build(build_dir, chunks, tokenizer, vectors, userdict, fields, kind)
            write_s = time.perf_counter() - start
            start = time.perf_counter()
            loaded = load_index(build_dir, encoder.fingerprint)
            load_s = time.perf_counter() - start
            memory = probe_memory(build_dir, settings.model_dir)
            searcher = Searcher(build_dir, encoder, settings)
            stats = time_queries(searcher, questions, rounds=2)
            rows.append({
                "chunks": size, "faiss": kind,
                "build_s_without_encoding": round(write_s, 1),
                "encoding_s": round(per_chunk * size, 1),
                "encoding_measured": size <= real.shape[0],
                "load_s": round(load_s, 2),
                "p50_ms": round(stats["p50"], 1), "p95_ms": round(stats["p95"], 1),
                "bm25_ms": round(stats["bm25_mean"], 2), "faiss_ms": round(stats["faiss_mean"], 2),
                "encode_ms": round(stats["encode_mean"], 2),
                "rss_model_mb": memory["model"], "rss_model_and_index_mb": memory["total"],
                "disk_mb": round(sum(p.stat().st_size for p in build_dir.rglob("*") if p.is_file()) / 1e6, 1),
            })
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
            del loaded, searcher
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def probe_memory(build_dir: Path, model_dir: Path) -> dict[str, float]:
    """RSS of a fresh process holding the model, then model and index (run in a subprocess)."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.search", "probe", str(build_dir), str(model_dir)],
        capture_output=True, text=True, check=True, timeout=600,
    )
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _probe(build_dir: Path, model_dir: Path) -> None:
    encoder = get_encoder(model_dir)
    encoder.encode_queries(["预热"])
    model = rss_mb()[0]
    searcher = Searcher(build_dir, encoder, RetrievalSettings(index_dir=build_dir))
    searcher.search("知识产权质押融资贴息")
    print(json.dumps({"model": round(model), "total": round(rss_mb()[0])}))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (the `probe` form is internal: `probe_memory` runs it in a subprocess)."""
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.splitlines()[0])
    parser.add_argument("--growth", action="store_true", help="synthetic 1k/10k/100k corpora")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument(
        "--encode-limit",
        type=int,
        default=1000,
        help="growth: chunks really encoded; larger corpora reuse them with noise",
    )
    parser.add_argument("--dev", type=Path, default=Path("../shared/eval/dev.jsonl"))
    parser.add_argument("--rounds", type=int, default=5)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; retrieval errors become a one-line message and exit code 1."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["probe"]:
        _probe(Path(argv[1]), Path(argv[2]))
        return 0
    args = parse_args(argv)
    quiet_logs()
    settings = get_settings()
    try:
        if args.growth:
            return run_growth(settings, [int(s) for s in args.sizes.split(",")], args.encode_limit)
        return run_latency(settings, args.dev, args.rounds)
    except RetrievalError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
