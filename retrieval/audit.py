"""Freshness audit of the knowledge base: counts by status and age, and the entries overdue for review."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from retrieval.freshness import Freshness, Reason, assess
from retrieval.knowledge import KnowledgeBase
from retrieval.schema import UNSTATED, Document, Faq, Rule, Station, Status

KIND_LABELS = {"document": "文档", "rule": "政策条目", "faq": "常见问答", "station": "服务站点"}
STATUS_LABELS = {Status.current: "现行", Status.historical: "历史", Status.unknown: "状态未知"}
REASON_LABELS = {
    Reason.unknown_status: "现行状态未核实",
    Reason.undated: "来源未注明日期",
    Reason.old_source: "来源超过时限",
}
UNDATED_BAND = "未注明日期"
AGE_BANDS = ("1年内", "1-2年", "2-3年", "3年以上", UNDATED_BAND)


@dataclass(frozen=True)
class EntryRecord:
    """What the audit needs of one knowledge entry, whatever its kind."""

    kind: str  # document / rule / faq / station
    id: str
    title: str
    status: Status
    source: str
    source_date: str
    reviewed_by: str = ""
    reviewed_on: datetime.date | None = None
    reviewed_against: str = ""
    demo: bool = False


@dataclass(frozen=True)
class AuditRow:
    entry: EntryRecord
    freshness: Freshness

    @property
    def overdue(self) -> bool:
        """Due for staff review: the same test that puts a caution line on answers."""
        return self.freshness.caution

    @property
    def age_band(self) -> str:
        months = self.freshness.age_months
        if months is None:
            return UNDATED_BAND
        return AGE_BANDS[min(months // 12, 3)] if months >= 12 else AGE_BANDS[0]

    def as_dict(self) -> dict[str, Any]:
        entry, fresh = self.entry, self.freshness
        return {
            "kind": entry.kind,
            "kind_label": KIND_LABELS.get(entry.kind, entry.kind),
            "id": entry.id,
            "title": entry.title,
            "status": entry.status.value,
            "status_label": STATUS_LABELS[entry.status],
            "source": entry.source,
            "source_date": entry.source_date,
            "source_year": fresh.source_year,
            "age_months": fresh.age_months,
            "age_band": self.age_band,
            "overdue": self.overdue,
            "reasons": [r.value for r in fresh.reasons],
            "reason_labels": [REASON_LABELS[r] for r in fresh.reasons],
            "reviewed_by": entry.reviewed_by,
            "reviewed_on": entry.reviewed_on.isoformat() if entry.reviewed_on else "",
            "reviewed_against": entry.reviewed_against,
            "demo": entry.demo,
        }


def record_of(kind: str, entry: Document | Rule | Faq | Station) -> EntryRecord:
    """The audit view of one validated entry."""
    if isinstance(entry, Document):
        meta = entry.meta
        source = "".join(part for part in (meta.issuer, meta.number) if part) or meta.title
        date = meta.date.isoformat() if meta.date else UNSTATED
        return EntryRecord(kind, meta.id, meta.title, meta.status, source, date)
    title = (
        entry.title if isinstance(entry, Rule) else entry.question if isinstance(entry, Faq) else entry.name
    )
    return EntryRecord(
        kind=kind,
        id=entry.id,
        title=title,
        status=entry.status,
        source=entry.source,
        source_date=entry.source_date,
        reviewed_by=entry.reviewed_by,
        reviewed_on=entry.reviewed_on,
        reviewed_against=entry.reviewed_against,
        demo=isinstance(entry, Station) and entry.demo,
    )


def knowledge_records(base: KnowledgeBase) -> list[EntryRecord]:
    """Every document, rule, FAQ and station of a loaded knowledge base."""
    return [
        *(record_of("document", d) for d in base.documents),
        *(record_of("rule", r) for r in base.rules),
        *(record_of("faq", f) for f in base.faq),
        *(record_of("station", s) for s in base.stations),
    ]


def audit(records: Iterable[EntryRecord], today: datetime.date, max_age_months: int) -> list[AuditRow]:
    """Assess every entry; overdue first, then oldest first."""
    rows = [
        AuditRow(r, assess(r.status, r.source_date, today, max_age_months, r.reviewed_on)) for r in records
    ]
    return sorted(
        rows, key=lambda row: (not row.overdue, -(row.freshness.age_months or 10_000), row.entry.id)
    )


def summarize(rows: Sequence[AuditRow]) -> dict[str, Any]:
    """Counts by status, by age band and by reason; how many are overdue."""
    reasons: Counter[str] = Counter(r.value for row in rows for r in row.freshness.reasons)
    return {
        "total": len(rows),
        "overdue": sum(row.overdue for row in rows),
        "by_status": {s.value: sum(row.entry.status is s for row in rows) for s in Status},
        "by_age": {band: sum(row.age_band == band for row in rows) for band in AGE_BANDS},
        "by_reason": {r.value: reasons[r.value] for r in Reason},
        "by_kind_overdue": {k: sum(row.overdue and row.entry.kind == k for row in rows) for k in KIND_LABELS},
    }


def format_report(
    rows: Sequence[AuditRow], today: datetime.date, max_age_months: int, *, all_rows: bool
) -> str:
    """The plain-text report staff read on the command line."""
    counts = summarize(rows)
    lines = [
        f"知识库时效检查（{today.isoformat()}，时限{max_age_months}个月）：共{counts['total']}条，"
        f"需复核{counts['overdue']}条",
        "按状态：" + "，".join(f"{STATUS_LABELS[s]} {counts['by_status'][s.value]}" for s in Status),
        "按来源时间：" + "，".join(f"{band} {n}" for band, n in counts["by_age"].items()),
        "需复核原因：" + "，".join(f"{REASON_LABELS[r]} {counts['by_reason'][r.value]}" for r in Reason),
        "",
    ]
    shown = rows if all_rows else [row for row in rows if row.overdue]
    lines.append("全部条目：" if all_rows else "需复核的条目：")
    for row in shown:
        data = row.as_dict()
        mark = "需复核" if row.overdue else "正常"
        why = "、".join(data["reason_labels"])
        review = f"；{data['reviewed_on']} {data['reviewed_by']}已复核" if data["reviewed_on"] else ""
        lines.append(
            f"- [{mark}] {data['kind_label']} {data['id']}：{data['title']}"
            f"（{data['status_label']}，来源日期 {data['source_date']}{review}）" + (f" {why}" if why else "")
        )
    if not shown:
        lines.append("（无）")
    return "\n".join(lines)
