"""Station types in the admin: the station form's type list and the save-time check, from the draft."""

from __future__ import annotations

from typing import Any

from retrieval.schema import StationTypeSpec
from service.admin.entities import EntityValidationError
from service.admin.store import KnowledgeStore


def draft_station_types(store: KnowledgeStore) -> list[StationTypeSpec]:
    """The station types of the draft, in file order."""
    return [StationTypeSpec.model_validate(e.data) for e in store.entries("station_type")]


def type_choices(store: KnowledgeStore) -> list[dict[str, str]]:
    """[{code, label}] for the station form and the check-up rule form."""
    return [{"code": t.code, "label": t.label} for t in draft_station_types(store)]


def check_station_type(store: KnowledgeStore, data: dict[str, Any]) -> None:
    """A station must name a type of the draft (the loader refuses anything else on publish)."""
    choices = type_choices(store)
    code = data.get("type")
    if code not in [t["code"] for t in choices]:
        labels = "、".join(t["label"] for t in choices)
        message = f"请选择类型：{labels}（“{code}”不是已有的站点类型，可先在“站点类型”中添加）"
        raise EntityValidationError({"type": message})
