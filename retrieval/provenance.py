"""Status discipline of knowledge entries: every fact says where it comes from, when, and how sure we are."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from retrieval.schema import UNSTATED, Faq, Rule, Station, Status, parse_source_date

EntryKind = Literal["rule", "faq", "station"]
Entry = Rule | Faq | Station

# Fields an entry must state in its file even where the model has a default: a missing status must
# never silently read as "current".
REQUIRED_FIELDS = ("source", "source_date", "status")
REVIEW_FIELDS = ("reviewed_by", "reviewed_on", "reviewed_against")


def provenance_problems(kind: EntryKind, entry: Entry, given: Collection[str]) -> list[tuple[str, str]]:
    """(field, Chinese message) for each rule the entry breaks; `given` are the keys written in the file.

    Rules: source, source_date and status are written out; source_date is a date as precise as the
    source or 未注明; a rule or FAQ whose source is undated cannot be current; a station is
    `verified` only with a named, dated source and never when it is demo data; a review names who,
    when and against what, or nothing.
    """
    problems: list[tuple[str, str]] = []
    for name in REQUIRED_FIELDS:
        if name not in given:
            problems.append((name, f"必须写明（不知道时写“{UNSTATED}”或 unknown）"))
    if not entry.source.strip():
        problems.append(("source", "来源不能为空"))
    try:
        dated = parse_source_date(entry.source_date) is not None
    except ValueError as exc:
        problems.append(("source_date", str(exc)))
        dated = True  # reported above; do not pile up a second message about it
    if kind in ("rule", "faq") and not dated and entry.status is Status.current:
        problems.append(("status", "来源未注明日期的政策不能标为 current，请改为 unknown 或 historical"))
    if isinstance(entry, Station) and entry.verified:
        if entry.demo:
            problems.append(("verified", "演示数据不能标为已核实"))
        elif not dated or not entry.source.strip():
            problems.append(("verified", "只有具名且注明日期的来源才能标为已核实"))
    filled = [name for name in REVIEW_FIELDS if getattr(entry, name)]
    if filled and len(filled) < len(REVIEW_FIELDS):
        missing = next(name for name in REVIEW_FIELDS if name not in filled)
        problems.append((missing, "复核记录须写明复核人、复核日期和核对依据"))
    return problems
