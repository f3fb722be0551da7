"""retrieval.freshness: when an answer needs a caution line, and why (pure; no index, no model)."""

from __future__ import annotations

from datetime import date

import pytest

from retrieval.entries import faq_chunks, station_chunks
from retrieval.freshness import Reason, add_months, assess, assess_source
from retrieval.hits import Source
from retrieval.schema import Faq, Station, StationType, Status

TODAY = date(2026, 12, 1)


def test_a_recent_current_source_needs_no_caution() -> None:
    verdict = assess(Status.current, "2026-03-01", TODAY)
    assert not verdict.caution and verdict.reasons == ()
    assert (verdict.source_year, verdict.age_months) == (2026, 9)


def test_an_old_source_gives_its_year() -> None:
    verdict = assess("current", "2021-01-27", TODAY)
    assert verdict.caution and verdict.reasons == (Reason.old_source,)
    assert verdict.source_year == 2021 and verdict.age_months == 70


def test_unknown_status_always_cautions() -> None:
    verdict = assess(Status.unknown, "2026-11-30", TODAY)
    assert verdict.reasons == (Reason.unknown_status,)
    both = assess(Status.unknown, "2020", TODAY)
    assert both.reasons == (Reason.unknown_status, Reason.old_source)


@pytest.mark.parametrize("source_date", ["未注明", "", "some prose"])
def test_an_undated_source_cautions(source_date: str) -> None:
    verdict = assess(Status.current, source_date, TODAY)
    assert verdict.reasons == (Reason.undated,)
    assert verdict.source_year is None and verdict.age_months is None


def test_the_boundary_is_the_max_age_to_the_day() -> None:
    assert not assess("current", "2025-12-01", TODAY).caution  # exactly 12 months
    assert assess("current", "2025-11-30", TODAY).caution
    assert not assess("current", "2024-12-01", TODAY, max_age_months=24).caution


def test_partial_dates_count_from_the_start_of_their_period() -> None:
    assert assess("current", "2025", TODAY).caution  # 2025-01-01: 23 months
    assert not assess("current", "2025-12", TODAY).caution
    approx = assess("current", "约2023年", TODAY)
    assert approx.approximate and approx.source_year == 2023 and approx.caution


def test_a_recent_review_clears_age_but_not_unknown_status() -> None:
    reviewed = assess("current", "2021", TODAY, reviewed_on="2026-10-01")
    assert not reviewed.caution and reviewed.age_months == 2
    assert reviewed.source_year == 2021  # the source's own year is still reported
    assert not assess("historical", "未注明", TODAY, reviewed_on=date(2026, 6, 1)).caution
    assert assess("current", "2021", TODAY, reviewed_on="2025-06-01").reasons == (Reason.old_source,)
    assert assess("unknown", "2021", TODAY, reviewed_on="2026-11-01").reasons == (Reason.unknown_status,)


def test_future_dates_are_not_negative() -> None:
    assert assess("current", "2027-01-01", TODAY).age_months == 0


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 12, 15), 12) == date(2025, 12, 15)


def test_a_hit_source_carries_what_the_decision_needs() -> None:
    faq = Faq(
        id="x",
        question="问",
        answer="答",
        source="来源",
        source_date="2021",
        status=Status.current,
        reviewed_by="张三",
        reviewed_on=date(2026, 11, 1),
        reviewed_against="官网",
    )
    source = faq_chunks(faq)[0].source
    assert (source.date, source.reviewed_on) == ("2021", "2026-11-01")
    assert not assess_source(source, TODAY).caution
    station = Station(
        id="s",
        name="站",
        type=StationType.mediation,
        source="报道",
        source_date="2023-06-14",
        status=Status.current,
        verified=True,
    )
    station_source = station_chunks(station)[0].source
    assert station_source.status is Status.current and station_source.verified
    assert assess_source(station_source, TODAY).reasons == (Reason.old_source,)
    assert assess_source(Source(title="旧索引里的来源"), TODAY).reasons == (
        Reason.unknown_status,
        Reason.undated,
    )
