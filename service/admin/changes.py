"""What the draft changed since the live version: entries added, changed or deleted, net of reverts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.admin.diff import changed_fields
from service.admin.entities import title_of
from service.admin.kinds import KINDS, label_of
from service.admin.models import EntityRow, VersionRow, aware
from service.admin.store import KnowledgeStore

CHANGE_LABELS = {"create": "新增", "update": "修改", "delete": "删除"}


@dataclass(frozen=True)
class PendingChange:
    """One entry whose draft differs from what is live."""

    kind: str
    key: str
    title: str
    change: str  # create / update / delete
    fields: list[str]  # Chinese labels of the changed fields (updates only)
    author: str  # who changed it last
    changed_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "kind_label": label_of(self.kind),
            "resource": KINDS[self.kind].resource if self.kind in KINDS else "",
            "key": self.key,
            "title": self.title,
            "change": self.change,
            "change_label": CHANGE_LABELS[self.change],
            "fields": self.fields,
            "author": self.author,
            "changed_at": aware(self.changed_at).isoformat(),
        }


def _live_data(session: Session, kind: str, key: str, published: int | None) -> dict[str, Any] | None:
    """The entry as the live index has it: as of the last publish, else as first imported."""
    query = select(VersionRow.data).where(VersionRow.kind == kind, VersionRow.key == key)
    if published is None:
        query = query.where(VersionRow.action == "seed")
    else:
        query = query.where(VersionRow.id <= published)
    data: dict[str, Any] | None = session.scalar(query.order_by(VersionRow.id.desc()).limit(1))
    return data


def pending_changes(store: KnowledgeStore, published: int | None) -> list[PendingChange]:
    """Entries changed after version id `published` (None: never published, the seed is live)."""
    after = VersionRow.action != "seed" if published is None else VersionRow.id > published
    with store.sessions() as session:
        touched = session.execute(
            select(VersionRow.kind, VersionRow.key, func.max(VersionRow.id))
            .where(after)
            .group_by(VersionRow.kind, VersionRow.key)
            .order_by(func.max(VersionRow.id).desc())
        ).all()
        changes = []
        for kind, key, newest in touched:
            live = _live_data(session, kind, key, published)
            draft = session.scalar(select(EntityRow.data).where(EntityRow.kind == kind, EntityRow.key == key))
            if live == draft:
                continue  # changed and changed back
            last = session.get_one(VersionRow, newest)
            change = "create" if live is None else "delete" if draft is None else "update"
            labels = KINDS[kind].fields if kind in KINDS else {}
            fields = (
                [labels.get(f, f) for f in changed_fields(kind, live, draft)] if change == "update" else []
            )
            title = title_of(kind, draft or live) or key
            changes.append(PendingChange(kind, key, title, change, fields, last.author, last.created_at))
        return changes
