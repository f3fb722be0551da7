"""Writing knowledge entries from the admin API: validation against the draft, creation, the API body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from service.admin.checkup import check_references
from service.admin.entities import Validated, flat, title_of, validate
from service.admin.kinds import KINDS
from service.admin.slugs import slug_of
from service.admin.state import AdminState
from service.admin.station_types import check_station_type
from service.admin.store import Entry, KnowledgeStore, describe

# Checks of one entry against the rest of the draft, by kind; a kind without one needs none.
DRAFT_CHECKS: dict[str, Callable[[KnowledgeStore, dict[str, Any]], None]] = {
    "checkup": check_references,
    "station": check_station_type,
}


def entry_body(entry: Entry) -> dict[str, Any]:
    """The API shape of one draft entry."""
    return {
        "key": entry.key,
        "version": entry.version,
        "title": title_of(entry.kind, entry.data),
        "updated_at": entry.updated_at.isoformat(),
        "updated_by": entry.updated_by,
        "data": flat(entry.kind, entry.data),
    }


def checked(state: AdminState, kind: str, raw: Any) -> Validated:
    """Raw input validated on its own, then against the draft."""
    valid = validate(kind, raw, state.store.locations())
    if kind in DRAFT_CHECKS:
        DRAFT_CHECKS[kind](state.store, valid.data)
    return valid


def new_key(state: AdminState, kind: str, title: str) -> str:
    """An id for a new entry made from its title (pinyin), not used by another entry of the kind."""
    return slug_of(title, {entry.key for entry in state.store.entries(kind)}, fallback=kind.replace("_", "-"))


def with_key(state: AdminState, kind: str, raw: Any) -> Any:
    """Input of a new entry with an id made from its title when none was given (kinds keyed by id)."""
    spec = KINDS[kind]
    if not isinstance(raw, dict) or spec.key_field != "id" or str(raw.get("id") or "").strip():
        return raw
    title = str(raw.get(spec.title_field) or "").strip()
    return {**raw, "id": new_key(state, kind, title)} if title else raw


def save_new(state: AdminState, kind: str, raw: Any, user: str, ip: str) -> Entry:
    """Validate and create one entry (its id from its title if none was given), with its audit record."""
    valid = checked(state, kind, with_key(state, kind, raw))
    entry = state.store.create(kind, valid.key, valid.data, user)
    state.store.audit(user, "create", describe(kind, valid.key, valid.data), f"版本{entry.version}", ip)
    return entry
