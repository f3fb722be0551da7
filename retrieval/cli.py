"""Command line: python -m retrieval build | search | evaluate | calibrate | info | audit."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from retrieval.errors import RetrievalError
from retrieval.hits import Hit, SearchResult
from retrieval.settings import RetrievalSettings, get_settings


def quiet_logs() -> None:
    """Silence the chatty loggers of jieba and the model libraries."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
    logging.getLogger("transformers").setLevel(logging.ERROR)


def cmd_build(args: argparse.Namespace, settings: RetrievalSettings) -> int:
    """Build the index from the knowledge directory."""
    from retrieval.dense import get_encoder
    from retrieval.store import build_index

    fusion = {
        "method": settings.fusion_method,
        "dense_weight": settings.dense_weight,
        "rrf_k": settings.rrf_k,
    }
    report = build_index(
        settings.knowledge_dir,
        settings.index_dir,
        get_encoder(settings.model_dir),
        force=args.force,
        keep=settings.keep_builds,
        progress=not args.quiet,
        fusion=fusion,
    )
    counts = report.manifest.counts
    state = "索引已是最新，跳过构建" if report.skipped else "索引构建完成"
    print(f"{state}：{report.path}（{counts.get('chunks', 0)} 个片段，{report.seconds:.1f} 秒）")
    return 0


def format_hit(rank: int, hit: Hit) -> str:
    """A readable, cited result."""
    src = hit.source
    title = f"《{src.title}》" if hit.kind == "document" else src.title
    cite = "".join([title, src.number, f"（{src.date}）" if src.date else ""])
    flags = {"historical": "【历史】", "unknown": "【状态未知】"}.get(src.status.value, "")
    flags += "【演示数据】" if src.demo else ""
    body = hit.body if len(hit.body) <= 160 else hit.body[:160] + "…"
    where = f" · {hit.section}" if hit.section else ""
    return (
        f"{rank}. [{hit.score:.3f}] {hit.title}{where}  ({hit.kind}:{hit.doc_id}){flags}\n"
        f"   {body.replace(chr(10), ' ')}\n   来源：{cite}"
    )


def _print_result(result: SearchResult) -> None:
    sig = result.signals
    verdict = "可回答" if result.answerable else "不确定（建议转人工）"
    print(f"{verdict}  top cosine {sig.top_cosine:.3f}, lexical coverage {sig.coverage:.2f}")
    for rank, hit in enumerate(result.hits, start=1):
        print(format_hit(rank, hit))


def cmd_search(args: argparse.Namespace, settings: RetrievalSettings) -> int:
    """Search one question, or one question per stdin line."""
    from retrieval.searcher import Searcher

    searcher = Searcher.from_settings(settings)
    questions = (line.rstrip("\n") for line in sys.stdin) if args.stdin else iter([args.query])
    for question in questions:
        result = searcher.search(question, k=args.k, mode=args.mode)
        if args.json:
            hits = [h.model_dump(mode="json") for h in result.hits]
            print(json.dumps(hits, ensure_ascii=False), flush=True)
        else:
            if args.stdin:
                print(f"问：{question}")
            _print_result(result)
    return 0


def cmd_evaluate(args: argparse.Namespace, settings: RetrievalSettings) -> int:
    """hit@1 / hit@3 / MRR on fact questions; misses; optional weight sweep and separation."""
    from retrieval import report
    from retrieval.searcher import Searcher

    searcher = Searcher.from_settings(settings)
    return report.run_evaluate(searcher, args)


def cmd_info(args: argparse.Namespace, settings: RetrievalSettings) -> int:
    """Print the current index manifest."""
    from retrieval.store import manifest_json, read_manifest, resolve_build

    print(manifest_json(read_manifest(resolve_build(settings.index_dir))))
    return 0


def cmd_calibrate(args: argparse.Namespace, settings: RetrievalSettings) -> int:
    """Fit the answer model on the tune half; print tiers per kind on both halves."""
    from retrieval.calibrate import run
    from retrieval.searcher import Searcher

    searcher = Searcher.from_settings(settings)
    for line in run(args.corpus, args.out or settings.answer_model, lambda q: searcher.retrieve(q)):
        print(line)
    return 0


def cmd_audit(args: argparse.Namespace, settings: RetrievalSettings) -> int:
    """Freshness report of knowledge/; with --strict, exit code 2 when entries are overdue."""
    import datetime

    from retrieval.audit import audit, format_report, knowledge_records, summarize
    from retrieval.knowledge import load_knowledge

    today = args.today or datetime.date.today()
    months = args.months or settings.freshness_months
    rows = audit(knowledge_records(load_knowledge(settings.knowledge_dir)), today, months)
    if args.json:
        report = {
            "today": today.isoformat(),
            "max_age_months": months,
            "summary": summarize(rows),
            "entries": [row.as_dict() for row in rows if args.all or row.overdue],
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_report(rows, today, months, all_rows=args.all))
    return AUDIT_OVERDUE if args.strict and any(row.overdue for row in rows) else 0


AUDIT_OVERDUE = 2  # exit code of `audit --strict` when some entries are overdue (1 = knowledge invalid)


def parser() -> argparse.ArgumentParser:
    """The argument parser."""
    top = argparse.ArgumentParser(prog="python -m retrieval", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build the index from knowledge/")
    build.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(func=cmd_build)
    search = sub.add_parser("search", help="search the index")
    search.add_argument("query", nargs="?", default="")
    search.add_argument("--stdin", action="store_true", help="one question per input line")
    search.add_argument("--k", type=int, default=5)
    search.add_argument("--json", action="store_true", help="one JSON list of hits per line")
    search.add_argument("--mode", choices=["hybrid", "bm25", "dense"], default="hybrid")
    search.set_defaults(func=cmd_search)
    ev = sub.add_parser("evaluate", help="hit@1, hit@3 and MRR on an eval file")
    ev.add_argument("file", type=Path)
    ev.add_argument("--mode", choices=["hybrid", "bm25", "dense"], default="hybrid")
    ev.add_argument("--all-modes", action="store_true", help="bm25, dense and hybrid side by side")
    ev.add_argument("--sweep", action="store_true", help="fusion method × dense weight grid")
    ev.add_argument("--oos", type=Path, help="out-of-scope questions (one per line)")
    ev.set_defaults(func=cmd_evaluate)
    cal = sub.add_parser("calibrate", help="fit the answer model on a corpus's tune half")
    cal.add_argument("corpus", type=Path)
    cal.add_argument("--out", type=Path, help="model file (default: the configured answer_model)")
    cal.set_defaults(func=cmd_calibrate)
    info = sub.add_parser("info", help="show the current index manifest")
    info.set_defaults(func=cmd_info)
    aud = sub.add_parser("audit", help="freshness of knowledge/: status, source age, overdue entries")
    aud.add_argument("--today", type=_iso_date, help="audit as of this date (YYYY-MM-DD)")
    aud.add_argument("--months", type=int, help="maximum source age (default IPGP_FRESHNESS_MONTHS=12)")
    aud.add_argument("--all", action="store_true", help="list every entry, not only overdue ones")
    aud.add_argument("--json", action="store_true", help="machine-readable report")
    aud.add_argument("--strict", action="store_true", help="exit code 2 when any entry is overdue (CI)")
    aud.set_defaults(func=cmd_audit)
    return top


def _iso_date(text: str) -> object:
    import datetime

    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from exc


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; errors become a one-line message and exit code 1."""
    args = parser().parse_args(argv)
    if args.command == "search" and not args.stdin and not args.query:
        parser().error("search needs a question or --stdin")
    quiet_logs()
    try:
        return int(args.func(args, get_settings()))
    except RetrievalError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
