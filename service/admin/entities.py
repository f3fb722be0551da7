"""Validation of one knowledge entry from API input into stored JSON, with Chinese messages per field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from pydantic import ValidationError

from retrieval.provenance import EntryKind, provenance_problems
from retrieval.schema import Faq, Locations, Rule, Station, Status
from service.admin.kinds import KINDS, label_of


class EntityValidationError(Exception):
    """Input breaks the schema; errors maps each field to a Chinese message shown next to it."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


ID_RULE = "只能包含小写字母、数字、“-”和“_”，并以字母或数字开头"


def _message(kind: str, field: str, error: Any) -> str:
    kind_of_error = str(error.get("type", ""))
    context = error.get("ctx") if isinstance(error.get("ctx"), dict) else {}
    if kind_of_error == "missing":
        return "必填"
    if kind_of_error == "string_too_short":
        return "不能为空"
    if kind_of_error == "string_too_long":
        return f"过长（最多{context.get('max_length')}个字符）"
    if kind_of_error == "string_pattern_mismatch":
        return ID_RULE if field == "id" else "不能包含空格" if field == "word" else "格式不正确"
    if kind_of_error == "enum":
        if field in KINDS[kind].choices:
            what, labels = KINDS[kind].choices[field]
            return f"请选择{what}：" + "、".join(labels)
        return "取值无效，可选：" + "、".join(s.value for s in Status)
    if kind_of_error == "value_error":
        return str(context.get("error", "格式不正确"))
    if kind_of_error == "extra_forbidden":
        return "不支持的字段"
    if kind_of_error.startswith("bool"):
        return "应为是或否"
    if kind_of_error.startswith("date"):
        return "日期格式应为 YYYY-MM-DD"
    if kind_of_error.startswith("int"):
        return "应为正整数"
    if kind_of_error == "greater_than_equal":
        return f"应不小于{context.get('ge')}"
    if kind_of_error == "list_type":
        return "应为列表"
    if kind_of_error == "string_type":
        return "应为文本"
    return "格式不正确"


def chinese_errors(kind: str, exc: ValidationError) -> dict[str, str]:
    """Field → Chinese message, the first problem of each field; labels name the field.

    A nested field is named by its longest labelled path ("ref.id"), else by its top-level name.
    """
    labels = KINDS[kind].fields
    errors: dict[str, str] = {}
    for error in exc.errors():
        location = [str(part) for part in error["loc"] if not isinstance(part, int)]
        location = [part for part in location if part not in ("meta",)]
        paths = [".".join(location[:n]) for n in range(len(location), 0, -1)]
        field = next((path for path in paths if path in labels), location[0] if location else "_")
        if field not in errors:
            label = labels.get(field, field)
            message = _message(kind, field, error)
            errors[field] = message if message.startswith(label) else f"{label}：{message}"
    return errors


def _strip(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value


@dataclass(frozen=True)
class Validated:
    """A checked entry ready to store: its key and the schema model dumped as JSON."""

    key: str
    data: dict[str, Any]


def validate(kind: str, raw: Any, locations: Locations | None = None) -> Validated:
    """Check raw API/form input of one entry; documents come flat (meta fields and body side by side)."""
    if not isinstance(raw, dict):
        raise EntityValidationError({"_": "请求体必须是JSON对象"})
    spec = KINDS.get(kind)
    if spec is None:
        raise EntityValidationError({"_": f"未知的类别：{kind}"})
    raw = {key: _strip(value) for key, value in raw.items()}
    given = {"meta": {k: v for k, v in raw.items() if k != "body"}, "body": raw.get("body")}
    try:
        entry = spec.model.model_validate(given if spec.meta_body else raw)
    except ValidationError as exc:
        raise EntityValidationError(chinese_errors(kind, exc)) from exc
    if spec.reviewable:
        _check_provenance(cast(EntryKind, kind), cast(Rule | Faq | Station, entry), raw)
    if spec.places:
        _check_places(cast(Station, entry), locations)
    data = entry.model_dump(mode="json")
    return Validated(spec.key_of(flat(kind, data)), data)


def _check_provenance(kind: EntryKind, entry: Rule | Faq | Station, raw: dict[str, Any]) -> None:
    """The loader's status discipline, at save time, so staff see it next to the field."""
    errors: dict[str, str] = {}
    for field, message in provenance_problems(kind, entry, raw.keys()):
        label = KINDS[kind].fields.get(field, field)
        errors.setdefault(field, f"{label}：{message}")
    if errors:
        raise EntityValidationError(errors)


def _check_places(station: Station, locations: Locations | None) -> None:
    if locations is None:
        return
    errors = {}
    streets = {s.name for s in locations.streets}
    parks = {p.name for p in locations.parks}
    unknown_streets = [s for s in station.streets if s not in streets]
    unknown_parks = [p for p in station.parks if p not in parks]
    if unknown_streets:
        errors["streets"] = f"服务街道：未知街道“{'、'.join(unknown_streets)}”，请从街道列表中选择"
    if unknown_parks:
        errors["parks"] = f"服务园区：未知园区“{'、'.join(unknown_parks)}”，请从园区列表中选择"
    if errors:
        raise EntityValidationError(errors)


def flat(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The API shape of a stored entry (documents flattened: meta fields plus body)."""
    if KINDS[kind].meta_body:
        return {**data["meta"], "body": data["body"]}
    return dict(data)


def title_of(kind: str, data: dict[str, Any] | None) -> str:
    """A short human name of an entry for lists, diffs and the audit log."""
    spec = KINDS.get(kind)
    if not data:
        return ""
    if spec is None or not spec.title_field:
        return label_of(kind)
    return str(flat(kind, data).get(spec.title_field, ""))
