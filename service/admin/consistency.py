"""After a station's phone or address changes: other entries that still state the old value."""

from __future__ import annotations

import json
from typing import Any

from service.admin.entities import title_of
from service.admin.kinds import searched_kinds
from service.admin.store import KnowledgeStore

CHECKED_FIELDS = ("phone", "address")
MIN_LENGTH = 5  # shorter fragments match too much by chance


def replaced_values(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    """Old phone numbers (each of a/b) and addresses that the new version no longer contains."""
    values: set[str] = set()
    for field in CHECKED_FIELDS:
        old, new = str(before.get(field) or ""), str(after.get(field) or "")
        if old == new:
            continue
        parts = [part.strip() for part in old.split("/")] if field == "phone" else [old.strip()]
        values |= {part for part in parts if len(part) >= MIN_LENGTH and part not in new}
    return values


def stale_mentions(
    store: KnowledgeStore, kind: str, key: str, before: dict[str, Any], after: dict[str, Any]
) -> list[dict[str, str]]:
    """Entries (other than this one) whose text still contains a replaced phone number or address."""
    values = replaced_values(before, after)
    if not values:
        return []
    found = []
    for other in searched_kinds():
        for entry in store.entries(other.code):
            if (other.code, entry.key) == (kind, key):
                continue
            text = json.dumps(entry.data, ensure_ascii=False)
            for value in sorted(values):
                if value in text:
                    found.append(
                        {
                            "kind": other.code,
                            "kind_label": other.label,
                            "key": entry.key,
                            "title": title_of(other.code, entry.data),
                            "value": value,
                        }
                    )
    return found
