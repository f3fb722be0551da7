"""Benchmark the offline e5 model: load time, batch encode throughput and single-query latency on CPU."""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from bench.stats import percentile
from retrieval.e5_model import DEFAULT_MODEL_DIR

# Fragments for synthetic benchmark sentences; they carry no facts and are never shown to users.
_WHO = ["企业", "高校", "初创公司", "个体工商户", "科研院所",
        "外贸企业", "软件公司", "设计工作室", "医药企业", "律师事务所"]
_WHAT = ["专利", "商标", "著作权", "软件著作权", "地理标志",
         "商业秘密", "集成电路布图", "植物新品种", "数据知识产权", "技术合同"]
_ASK = ["怎么申请", "需要哪些材料", "有没有补贴", "去哪里办理", "被侵权了怎么办", "如何质押融资",
        "海外维权找谁", "多久能下来", "可以线上办吗", "费用是多少"]


def sample_sentences(n: int) -> list[str]:
    """`n` distinct short Chinese questions built from the fragments above."""
    combos = itertools.product(_WHO, _WHAT, _ASK)
    return [f"{who}的{what}{ask}？" for who, what, ask in itertools.islice(combos, n)]


def run(model_dir: Path, n: int, queries: int, batch_size: int, threads: int | None) -> None:
    """Print load time, throughput for `n` sentences and p50/p95 latency of single queries.

    CPU seconds are printed next to wall-clock ones: on a shared 2-core machine wall time mostly
    measures the neighbours, CPU time is what the model itself costs.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    if threads:
        torch.set_num_threads(threads)

    started = time.perf_counter()
    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    load_s = time.perf_counter() - started
    dtype = next(model.parameters()).dtype
    print(f"model {model_dir}: loaded in {load_s:.2f} s, compute dtype {dtype}, "
          f"torch threads {torch.get_num_threads()}")

    sentences = sample_sentences(n)
    model.encode(sentences[:batch_size], prompt_name="document", batch_size=batch_size)  # warm-up
    started, cpu_started = time.perf_counter(), time.process_time()
    model.encode(sentences, prompt_name="document", batch_size=batch_size)
    batch_s, batch_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"encode {len(sentences)} sentences (batch {batch_size}): {batch_s:.2f} s wall "
          f"({len(sentences) / batch_s:.0f}/s), {batch_cpu:.2f} s CPU")

    wall_ms, cpu_ms = [], []
    for text in sentences[:queries]:
        started, cpu_started = time.perf_counter(), time.process_time()
        model.encode(text, prompt_name="query")
        wall_ms.append((time.perf_counter() - started) * 1000)
        cpu_ms.append((time.process_time() - cpu_started) * 1000)
    print(f"single query over {len(wall_ms)}: wall p50 {statistics.median(wall_ms):.1f} ms, "
          f"p95 {percentile(wall_ms, 95):.1f} ms; CPU p50 {statistics.median(cpu_ms):.1f} ms")


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: `python -m bench.embedding [--model DIR]`."""
    parser = argparse.ArgumentParser(description="Benchmark the offline e5 embedding model on CPU.")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--n", type=int, default=1000, help="sentences for the throughput run")
    parser.add_argument("--queries", type=int, default=200, help="single queries for the latency run")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    args = parser.parse_args(argv)
    run(args.model, args.n, args.queries, args.batch_size, args.threads)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
