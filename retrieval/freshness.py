"""Whether knowledge may have gone stale: a pure decision from status, source date, review and today."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from enum import Enum

from retrieval.hits import Source
from retrieval.schema import SourceDate, Status, parse_source_date

DEFAULT_MAX_AGE_MONTHS = 12


class Reason(str, Enum):  # noqa: UP042 - str() stays the code, as Status
    """Why an answer needs a caution line; the wording lives with the replies (actions/data)."""

    unknown_status = "unknown_status"  # nobody knows whether it still applies
    undated = "undated"  # the source has no date (未注明), so its age is unknown
    old_source = "old_source"  # the source (or last review) is older than the maximum age


@dataclass(frozen=True)
class Freshness:
    """The verdict on one source; `caution` is True when any reason applies."""

    reasons: tuple[Reason, ...]
    source_year: int | None  # year of the source date, for "信息来源于2021年"; None if undated
    approximate: bool  # the source date itself is approximate (约2023年)
    age_months: int | None  # whole months from the source date (or a later review) to today
    reviewed_on: datetime.date | None  # last 已复核, when it counts

    @property
    def caution(self) -> bool:
        return bool(self.reasons)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's last day (01-31 + 1 → 02-28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from start to end (0 when end is not later)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


def _as_date(value: datetime.date | str | None) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def assess(
    status: Status | str,
    source_date: str,
    today: datetime.date,
    max_age_months: int = DEFAULT_MAX_AGE_MONTHS,
    reviewed_on: datetime.date | str | None = None,
) -> Freshness:
    """Decide whether an answer from this source needs a caution line, and why.

    - status unknown → `unknown_status`, whatever the dates say (a review does not change it;
      staff who know the status set it).
    - source_date 未注明 (or empty, or unreadable) → `undated`.
    - source date older than `max_age_months` → `old_source`. A date known only to the year or
      month counts from the first day of that period: when unsure, caution.
    - a review (已复核) within `max_age_months` counts as a newer, dated check: it clears
      `undated` and `old_source`, never `unknown_status`.
    """
    status = Status(status)
    try:
        parsed: SourceDate | None = parse_source_date(source_date) if source_date else None
    except ValueError:
        parsed = None
    review = _as_date(reviewed_on)
    reasons: list[Reason] = []
    if status is Status.unknown:
        reasons.append(Reason.unknown_status)
    checked = parsed.earliest if parsed else None
    if review is not None and (checked is None or review > checked):
        checked = review
    if checked is None:
        reasons.append(Reason.undated)
    elif today > add_months(checked, max_age_months):
        reasons.append(Reason.old_source)
    return Freshness(
        reasons=tuple(reasons),
        source_year=parsed.year if parsed else None,
        approximate=bool(parsed and parsed.approximate),
        age_months=months_between(checked, today) if checked else None,
        reviewed_on=review,
    )


def assess_source(
    source: Source, today: datetime.date, max_age_months: int = DEFAULT_MAX_AGE_MONTHS
) -> Freshness:
    """assess() for the source of a search hit (`hit.source`)."""
    return assess(source.status, source.date, today, max_age_months, source.reviewed_on or None)
