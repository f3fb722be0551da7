"""The evaluation match rule and metrics (no model)."""

from __future__ import annotations

from retrieval.evaluation import FactCase, evaluate, text_matches
from retrieval.hits import Hit, SearchResult, Source


def _hit(text: str) -> Hit:
    return Hit(chunk_id="faq:x#000", doc_id="x", kind="faq", title="t", section="", text=text,
               body=text, score=1.0, source=Source(title="s"))


def test_every_group_needs_one_alternative() -> None:
    assert text_matches("最高 1,500 元", ["1500|一千五"])
    assert text_matches("杨府发〔2024〕4号", ["2024", "4号"])
    assert not text_matches("杨府发〔2024〕", ["2024", "4号"])
    assert text_matches("贯彻ＩＳＯ 56005标准", ["iso56005"])  # NFKC, case and spaces
    assert not text_matches("", ["x"])


def test_metrics() -> None:
    answers = {"q1": ["a", "目标是145件"], "q2": ["目标10万件", "b"], "q3": ["c", "d", "e"]}

    def search(question: str) -> SearchResult:
        return SearchResult(hits=[_hit(t) for t in answers[question]], answerable=True)

    cases = [FactCase("1", "q1", ["145"]), FactCase("2", "q2", ["10万"]), FactCase("3", "q3", ["zz"])]
    report = evaluate(cases, search)
    assert report.hit1 == 1 / 3 and report.hit3 == 2 / 3
    assert abs(report.mrr - (0.5 + 1.0) / 3) < 1e-9
    assert [c.id for c, _, _ in report.misses] == ["1", "3"]
