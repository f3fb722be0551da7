"""Readable differences between two versions of one knowledge entry: changed fields, word by word."""

from __future__ import annotations

from typing import Any

from service.admin.entities import flat
from service.admin.kinds import KINDS
from service.admin.worddiff import word_diff


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(item) for item in value) if value else "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "":
        return "（空）"
    return str(value)


def _text(value: Any) -> str:
    """A value as the words a reader compares: lists one item per line, nothing for empty."""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return "" if value is None or value == "" else _show(value)


def _fields(kind: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """The entry's fields, nested ones (a check-up rule's when.industry) by their dotted path."""
    fields: dict[str, Any] = {}
    for name, value in (flat(kind, data) if data else {}).items():
        if isinstance(value, dict):
            fields.update({f"{name}.{inner}": item for inner, item in value.items()})
        else:
            fields[name] = value
    return fields


def changed_fields(kind: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """The fields that differ, in the entry's order (removed fields last)."""
    old, new = _fields(kind, before), _fields(kind, after)
    return [field for field in [*new, *(k for k in old if k not in new)] if old.get(field) != new.get(field)]


def field_changes(
    kind: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """One row per changed field: label, old and new value as text, and the words that changed."""
    old, new = _fields(kind, before), _fields(kind, after)
    labels = KINDS[kind].fields
    return [
        {
            "field": field,
            "label": labels.get(field, field),
            "before": _show(old.get(field)),
            "after": _show(new.get(field)),
            "segments": word_diff(_text(old.get(field)), _text(new.get(field))),
        }
        for field in changed_fields(kind, before, after)
    ]


def summary(kind: str, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """One line for version lists, e.g. 修改：电话、地址."""
    if action == "seed":
        return "从 knowledge/ 初始导入"
    if action == "delete":
        return "删除"
    if action == "create":
        return "新建"
    labels = KINDS[kind].fields
    changed = "、".join(labels.get(field, field) for field in changed_fields(kind, before, after)) or "无变化"
    return f"恢复旧版本（{changed}）" if action == "restore" else f"修改：{changed}"
