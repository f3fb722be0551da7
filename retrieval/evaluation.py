"""Dev-set evaluation: hit@1, hit@3 and MRR on fact questions, and answerable separation."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrieval.hits import Hit, SearchResult
from retrieval.normalize import match_key

SearchFn = Callable[[str], SearchResult]
MRR_DEPTH = 10


@dataclass(frozen=True)
class FactCase:
    """A fact question and the groups of alternatives its passage must contain."""

    id: str
    question: str
    expect: list[str]


@dataclass
class EvalReport:
    """Ranking metrics over fact questions, with the misses."""

    n: int = 0
    hit1: float = 0.0
    hit3: float = 0.0
    mrr: float = 0.0
    misses: list[tuple[FactCase, int | None, list[Hit]]] = field(default_factory=list)


def text_matches(text: str, expect: Sequence[str]) -> bool:
    """Every group has one of its |-separated alternatives as a substring (match_key both sides)."""
    key = match_key(text)
    return all(any(match_key(alt) in key for alt in group.split("|")) for group in expect)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Lines of a JSON-lines file."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def fact_cases(rows: Sequence[dict[str, Any]]) -> list[FactCase]:
    """The `fact` lines of an eval file."""
    return [
        FactCase(str(r["id"]), str(r["question"]), list(r["expect"]))
        for r in rows
        if r.get("kind") == "fact"
    ]


def first_match(hits: Sequence[Hit], expect: Sequence[str]) -> int | None:
    """1-based rank of the first matching hit, or None."""
    return next((i for i, h in enumerate(hits, start=1) if text_matches(h.text, expect)), None)


def evaluate(cases: Sequence[FactCase], search: SearchFn) -> EvalReport:
    """Run every fact question and score the ranking."""
    report = EvalReport(n=len(cases))
    if not cases:
        return report
    h1 = h3 = rr = 0.0
    for case in cases:
        hits = search(case.question).hits
        rank = first_match(hits[:MRR_DEPTH], case.expect)
        h1 += rank == 1
        h3 += rank is not None and rank <= 3
        rr += 1.0 / rank if rank else 0.0
        if rank != 1:
            report.misses.append((case, rank, hits[:3]))
    report.hit1, report.hit3, report.mrr = h1 / len(cases), h3 / len(cases), rr / len(cases)
    return report


@dataclass(frozen=True)
class Separation:
    """Answerable signals of in-scope vs out-of-scope questions under the current rule."""

    in_scope: list[tuple[str, float, float, bool]]  # question, top cosine, coverage, answerable
    out_of_scope: list[tuple[str, float, float, bool]]

    @property
    def accepted_in_scope(self) -> float:
        """Share of in-scope questions judged answerable."""
        return sum(r[3] for r in self.in_scope) / max(1, len(self.in_scope))

    @property
    def rejected_out_of_scope(self) -> float:
        """Share of out-of-scope questions judged not answerable."""
        return sum(not r[3] for r in self.out_of_scope) / max(1, len(self.out_of_scope))


def separation(
    in_scope: Sequence[str], out_of_scope: Sequence[str], search: SearchFn
) -> Separation:
    """Signals and decisions for both groups of questions."""

    def rows(questions: Sequence[str]) -> list[tuple[str, float, float, bool]]:
        out = []
        for q in questions:
            result = search(q)
            out.append((q, result.signals.top_cosine, result.signals.coverage, result.answerable))
        return out

    return Separation(rows(in_scope), rows(out_of_scope))


def read_questions(path: Path) -> list[str]:
    """One question per line; blank lines and # comments ignored."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
