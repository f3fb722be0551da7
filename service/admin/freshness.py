"""Freshness review of the draft: entries by source age and status, and the 已复核 record on an entry."""

from __future__ import annotations

import datetime
from typing import Any, cast

from pydantic import ValidationError

from retrieval.audit import AuditRow, EntryRecord, audit, record_of, summarize
from retrieval.provenance import REVIEW_FIELDS
from retrieval.schema import Document, Faq, Rule, Station, Status
from service.admin.kinds import KINDS, searched_kinds
from service.admin.store import KnowledgeStore


def reviewable(kind: str) -> bool:
    """Entries of this kind carry reviewed_by / reviewed_on / reviewed_against."""
    return kind in KINDS and KINDS[kind].reviewable


def draft_records(store: KnowledgeStore) -> list[EntryRecord]:
    """The audit view of every draft entry; an entry the schema refuses is listed as unknown and undated."""
    records = []
    for kind in searched_kinds():
        for entry in store.entries(kind.code):
            try:
                model = cast(Document | Rule | Faq | Station, kind.model.model_validate(entry.data))
                records.append(record_of(kind.code, model))
            except ValidationError:  # cannot be published either; still listed, never hidden
                records.append(EntryRecord(kind.code, entry.key, entry.key, Status.unknown, "", ""))
    return records


def freshness_rows(store: KnowledgeStore, today: datetime.date, max_age_months: int) -> list[AuditRow]:
    return audit(draft_records(store), today, max_age_months)


def overdue_count(store: KnowledgeStore, today: datetime.date, max_age_months: int) -> int:
    return int(summarize(freshness_rows(store, today, max_age_months))["overdue"])


def keep_review(kind: str, raw: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    """An ordinary edit (whose form does not send them) keeps the entry's last review record."""
    if not reviewable(kind) or not before:
        return raw
    kept = {name: before[name] for name in REVIEW_FIELDS if name in before and name not in raw}
    return {**raw, **kept}
