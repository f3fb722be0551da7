"""Readable differences between two versions of one knowledge entry (field list and unified text diff)."""

from __future__ import annotations

import difflib
from typing import Any

import yaml

from service.admin.entities import flat
from service.admin.kinds import KINDS


def as_text(kind: str, data: dict[str, Any] | None) -> str:
    """The entry as YAML with Chinese-readable text; a document's body follows its fields verbatim."""
    if data is None:
        return ""
    fields = flat(kind, data)
    body = fields.pop("body", None) if KINDS[kind].meta_body else None
    text = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=100)
    return text + (f"body: |\n{body}\n" if body is not None else "")


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(item) for item in value) if value else "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "":
        return "（空）"
    return str(value)


def _fields(kind: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """The entry's fields, nested ones (a check-up rule's when.industry) by their dotted path."""
    fields: dict[str, Any] = {}
    for name, value in (flat(kind, data) if data else {}).items():
        if isinstance(value, dict):
            fields.update({f"{name}.{inner}": item for inner, item in value.items()})
        else:
            fields[name] = value
    return fields


def field_changes(
    kind: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[dict[str, str]]:
    """One row per changed field: label, old and new value as text."""
    old = _fields(kind, before)
    new = _fields(kind, after)
    labels = KINDS[kind].fields
    rows = []
    for field in [*new, *(k for k in old if k not in new)]:
        if old.get(field) != new.get(field):
            rows.append(
                {
                    "field": field,
                    "label": labels.get(field, field),
                    "before": _show(old.get(field)),
                    "after": _show(new.get(field)),
                }
            )
    return rows


def unified(
    kind: str, before: dict[str, Any] | None, after: dict[str, Any] | None, names: tuple[str, str]
) -> str:
    """Unified diff of the two YAML renderings."""
    lines = difflib.unified_diff(
        as_text(kind, before).splitlines(),
        as_text(kind, after).splitlines(),
        fromfile=names[0],
        tofile=names[1],
        lineterm="",
    )
    return "\n".join(lines)


def summary(kind: str, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """One line for version lists, e.g. 修改：电话、地址."""
    if action == "seed":
        return "从 knowledge/ 初始导入"
    if action == "delete":
        return "删除"
    if action == "create":
        return "新建"
    changed = "、".join(row["label"] for row in field_changes(kind, before, after)) or "无变化"
    return f"恢复旧版本（{changed}）" if action == "restore" else f"修改：{changed}"
