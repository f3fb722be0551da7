"""Check-up rules in the admin: the choices of the rule form, and its cross-checks against the draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from retrieval.checkup import FAQ_FIELDS, RULE_FIELDS, entry_problems
from retrieval.knowledge import KnowledgeBase
from retrieval.provenance import REVIEW_FIELDS
from retrieval.schema import (
    CHECKUP_FIELDS,
    CHECKUP_OPTIONS,
    CheckupEntry,
    Document,
    Faq,
    Locations,
    Rule,
    Station,
)
from service.admin.entities import EntityValidationError, title_of
from service.admin.kinds import KINDS, SECTION_LABELS
from service.admin.station_types import draft_station_types, type_choices
from service.admin.store import KnowledgeStore

# What a report line can rest on, as staff call it; the order of the form's list.
REF_KINDS = {"rule": "政策条目", "faq": "常见问答", "document": "文件条款", "station_type": "站点类型"}
# Fields a report line may quote after its reason: the facts, not bookkeeping.
NOT_QUOTED = frozenset({"source", "source_url", "source_date", "status", *REVIEW_FIELDS})


def _choices(pairs: Any) -> list[dict[str, str]]:
    return [{"code": str(code), "label": str(label)} for code, label in pairs]


def _places(locations: Locations | None) -> list[str]:
    if locations is None:
        return []
    return [s.name for s in locations.streets] + [p.name for p in locations.parks]


def _quotable(kind: str, fields: frozenset[str]) -> list[dict[str, str]]:
    labels = KINDS[kind].fields
    return _choices((f, labels.get(f, f)) for f in labels if f in fields and f not in NOT_QUOTED)


def form_options(store: KnowledgeStore) -> dict[str, Any]:
    """Everything the rule form offers: groups, conditions with their answers, referable entries."""
    labels = KINDS["checkup"].fields
    places = _places(store.locations())
    return {
        "sections": _choices((s.value, label) for s, label in SECTION_LABELS.items()),
        "conditions": [
            {
                "field": field,
                "label": labels[f"when.{field}"],
                "options": places if field == "location" else list(CHECKUP_OPTIONS[field]),
            }
            for field in CHECKUP_FIELDS
        ],
        "ref_kinds": _choices(REF_KINDS.items()),
        "entries": {
            kind: _choices((e.key, title_of(kind, e.data)) for e in store.entries(kind))
            for kind in ("rule", "faq", "document")
        }
        | {"station_type": type_choices(store)},
        "fields": {"rule": _quotable("rule", RULE_FIELDS), "faq": _quotable("faq", FAQ_FIELDS)},
    }


def draft_base(store: KnowledgeStore) -> KnowledgeBase:
    """The draft as a knowledge base, for the loader's own cross-checks (entries were checked on save)."""
    return KnowledgeBase(
        root=Path("draft"),
        documents=[Document.model_validate(e.data) for e in store.entries("document")],
        rules=[Rule.model_validate(e.data) for e in store.entries("rule")],
        stations=[Station.model_validate(e.data) for e in store.entries("station")],
        locations=store.locations() or Locations(streets=[], parks=[]),
        faq=[Faq.model_validate(e.data) for e in store.entries("faq")],
        station_types=draft_station_types(store),
    )


def check_references(store: KnowledgeStore, data: dict[str, Any]) -> None:
    """The loader's checks of one rule (options, entries, quotes) at save time, next to each field.

    Publishing checks again: an entry a rule cites may be deleted after the rule was saved.
    """
    labels = KINDS["checkup"].fields
    errors: dict[str, str] = {}
    for field, message in entry_problems(CheckupEntry.model_validate(data), draft_base(store)):
        label = labels.get(field, field)
        errors.setdefault(field, message if message.startswith(label) else f"{label}：{message}")
    if errors:
        raise EntityValidationError(errors)
