"""Knowledge entry kinds: their schema model, key, Chinese field labels and validation into stored JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from retrieval.provenance import EntryKind, provenance_problems
from retrieval.schema import (
    STATION_TYPE_LABELS,
    CheckupEntry,
    CheckupSection,
    Document,
    Faq,
    Locations,
    Rule,
    Station,
    Status,
)


class TermEntry(BaseModel):
    """One jieba user-dictionary line: word, optional frequency and part-of-speech tag."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    word: str = Field(pattern=r"^\S+$", max_length=64)
    freq: int | None = Field(default=None, ge=1)
    tag: str | None = Field(default=None, pattern=r"^[a-zA-Z]+$")


class EntityValidationError(Exception):
    """Input breaks the schema; errors maps each field to a Chinese message shown next to it."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


COMMON_LABELS = {
    "id": "编号",
    "title": "标题",
    "source": "来源",
    "source_url": "来源网址",
    "source_date": "来源日期",
    "status": "状态",
    "reviewed_by": "复核人",
    "reviewed_on": "复核日期",
    "reviewed_against": "核对依据",
}
LABELS: dict[str, dict[str, str]] = {
    "document": {
        **COMMON_LABELS,
        "issuer": "发文机关",
        "number": "文号",
        "date": "发文日期",
        "body": "正文",
    },
    "rule": {
        **COMMON_LABELS,
        "category": "类别",
        "level": "层级",
        "eligible": "申请对象",
        "funded": "资助内容",
        "rate_and_cap": "标准与上限",
        "period": "期限",
        "legal_basis": "政策依据",
        "how_to_apply": "申报方式",
        "notes": "备注",
    },
    "station": {
        **COMMON_LABELS,
        "name": "名称",
        "type": "类型",
        "services": "服务内容",
        "address": "地址",
        "phone": "电话",
        "hours": "办公时间",
        "streets": "服务街道",
        "parks": "服务园区",
        "whole_district": "服务全区",
        "verified": "已核实",
        "demo": "演示数据",
    },
    "faq": {
        **COMMON_LABELS,
        "question": "问题",
        "alternatives": "相似问法",
        "answer": "答案",
    },
    "term": {"word": "词语", "freq": "词频", "tag": "词性"},
    "checkup": {
        "id": "编号",
        "section": "报告分组",
        "when": "条件",
        "when.industry": "行业",
        "when.location": "街道或园区",
        "when.size": "单位类型",
        "when.ip": "已有知识产权",
        "when.plans": "近期打算",
        "when.dispute": "纠纷情况",
        "ref": "依据",
        "ref.kind": "依据类别",
        "ref.id": "依据条目",
        "ref.fields": "摘录字段",
        "ref.quote": "条款原文",
        "reason": "理由",
    },
    "locations": {"streets": "街道", "parks": "园区"},
}
KIND_LABELS = {
    "document": "文档",
    "rule": "政策条目",
    "station": "服务站点",
    "faq": "常见问答",
    "term": "词典词条",
    "locations": "街道与园区",
    "checkup": "体检规则",
}
# The groups of a check-up report as the report names them.
SECTION_LABELS = {
    CheckupSection.apply: "可以申请/可以利用",
    CheckupSection.caution: "需要注意",
    CheckupSection.where: "去哪里办",
    CheckupSection.next: "下一步",
}
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
        if kind == "checkup" and field == "section":
            return "请选择分组：" + "、".join(SECTION_LABELS.values())
        if kind == "station" and field == "type":
            return "请选择类型：" + "、".join(STATION_TYPE_LABELS.values())
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
    labels = LABELS[kind]
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
    raw = {key: _strip(value) for key, value in raw.items()}
    try:
        if kind == "document":
            body = raw.pop("body", None)
            document = Document.model_validate({"meta": raw, "body": body})
            return Validated(document.meta.id, document.model_dump(mode="json"))
        if kind == "rule":
            rule = Rule.model_validate(raw)
            _check_provenance("rule", rule, raw)
            return Validated(rule.id, rule.model_dump(mode="json"))
        if kind == "station":
            station = Station.model_validate(raw)
            _check_provenance("station", station, raw)
            _check_places(station, locations)
            return Validated(station.id, station.model_dump(mode="json"))
        if kind == "faq":
            faq = Faq.model_validate(raw)
            _check_provenance("faq", faq, raw)
            return Validated(faq.id, faq.model_dump(mode="json"))
        if kind == "term":
            term = TermEntry.model_validate(raw)
            return Validated(term.word, term.model_dump(mode="json"))
        if kind == "checkup":  # references to other entries are checked when publishing
            checkup = CheckupEntry.model_validate(raw)
            return Validated(checkup.id, checkup.model_dump(mode="json"))
        if kind == "locations":
            return Validated("locations", Locations.model_validate(raw).model_dump(mode="json"))
    except ValidationError as exc:
        raise EntityValidationError(chinese_errors(kind, exc)) from exc
    raise EntityValidationError({"_": f"未知的类别：{kind}"})


def _check_provenance(kind: EntryKind, entry: Rule | Faq | Station, raw: dict[str, Any]) -> None:
    """The loader's status discipline, at save time, so staff see it next to the field."""
    errors: dict[str, str] = {}
    for field, message in provenance_problems(kind, entry, raw.keys()):
        label = LABELS[kind].get(field, field)
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
    if kind == "document":
        return {**data["meta"], "body": data["body"]}
    return dict(data)


def title_of(kind: str, data: dict[str, Any] | None) -> str:
    """A short human name of an entry for lists, diffs and the audit log."""
    if not data:
        return ""
    if kind == "document":
        return str(data["meta"]["title"])
    for field in ("title", "name", "question", "word", "reason"):
        if field in data:
            return str(data[field])
    return KIND_LABELS.get(kind, kind)
