"""Printed reports of the evaluate command: modes side by side, misses, weight sweep, separation."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from retrieval.evaluation import (
    EvalReport,
    FactCase,
    SearchFn,
    Separation,
    evaluate,
    fact_cases,
    read_jsonl,
    read_questions,
    separation,
)
from retrieval.fusion import FusionMethod, fuse
from retrieval.hits import Hit, SearchResult
from retrieval.searcher import Mode, Searcher

DEPTH = 10


def print_report(mode: str, report: EvalReport) -> None:
    """Metrics line and the misses with their top hits."""
    print(f"{mode:7s} n={report.n}  hit@1 {report.hit1:.2f}  hit@3 {report.hit3:.2f}  "
          f"MRR {report.mrr:.3f}")
    for case, rank, hits in report.misses:
        where = f"rank {rank}" if rank else f"not in top {DEPTH}"
        print(f"  miss {case.id} ({where}): {case.question}  expect {case.expect}")
        for i, hit in enumerate(hits, start=1):
            print(f"     {i}. [{hit.score:.3f}] {hit.kind}:{hit.doc_id} {hit.section[:40]} | "
                  f"{hit.body[:60].replace(chr(10), ' ')}")


def _search_fn(searcher: Searcher, mode: Mode) -> SearchFn:
    return lambda q: searcher.search(q, k=DEPTH, mode=mode)


def sweep(searcher: Searcher, cases: Sequence[FactCase]) -> None:
    """hit@1 / hit@3 / MRR for both fusion methods over a coarse dense-weight grid."""
    index = searcher.index()
    cands = {c.id: searcher.candidates(c.question, "hybrid", index) for c in cases}
    methods: tuple[FusionMethod, ...] = ("score", "rrf")
    print("method  w_dense  hit@1  hit@3  MRR")
    for method in methods:
        for step in range(11):
            weight = step / 10

            def search(question: str, method: FusionMethod = method, w: float = weight) -> SearchResult:
                case = next(c for c in cases if c.question == question)
                _, lexical, dense = cands[case.id]
                ranked = fuse(lexical, dense, method, w, searcher.settings.rrf_k)[:DEPTH]
                hits = [Hit.from_chunk(index.chunks[r], s) for r, s in ranked]
                return SearchResult(hits=hits, answerable=True)

            rep = evaluate(cases, search)
            print(f"{method:6s}  {weight:5.1f}    {rep.hit1:.2f}   {rep.hit3:.2f}  {rep.mrr:.3f}")


def print_separation(sep: Separation) -> None:
    """Per-question signals and the decision summary."""
    for title, rows in (("in scope (fact)", sep.in_scope), ("out of scope", sep.out_of_scope)):
        print(f"-- {title}: question, top cosine, coverage, answerable")
        for q, cos, cov, ok in sorted(rows, key=lambda r: r[1]):
            print(f"   {cos:.3f}  {cov:.2f}  {'yes' if ok else 'no '}  {q}")
    ins = [r[1] for r in sep.in_scope]
    oos = [r[1] for r in sep.out_of_scope]
    if ins and oos:
        print(f"top cosine: in-scope min {min(ins):.3f}, out-of-scope max {max(oos):.3f}")
    print(f"answerable: in-scope accepted {sep.accepted_in_scope:.2%}, "
          f"out-of-scope rejected {sep.rejected_out_of_scope:.2%}")


def run_evaluate(searcher: Searcher, args: argparse.Namespace) -> int:
    """The evaluate command."""
    rows = read_jsonl(args.file)
    cases = fact_cases(rows)
    modes: list[Mode] = ["bm25", "dense", "hybrid"] if args.all_modes else [args.mode]
    for mode in modes:
        print_report(mode, evaluate(cases, _search_fn(searcher, mode)))
    if args.sweep:
        sweep(searcher, cases)
    if args.oos:
        oos = [str(r["question"]) for r in rows if r.get("kind") == "out_of_scope"]
        oos += read_questions(args.oos)
        print_separation(separation([c.question for c in cases], oos, _search_fn(searcher, "hybrid")))
    return 0
