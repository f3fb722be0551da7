"""The table of knowledge kinds: one row per kind the admin edits (model, key, labels, file, use).

Code that differs by kind reads this table instead of branching on the kind's name; a new kind is
one row here (and its form in static/admin/forms.js). `GET /admin/api/kinds` serves it to the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from retrieval.knowledge import (
    CHECKUP_FILE,
    DOCUMENTS_DIR,
    FAQ_FILE,
    LOCATIONS_FILE,
    RULES_FILE,
    STATION_TYPES_FILE,
    STATIONS_FILE,
    USERDICT_FILE,
)
from retrieval.schema import (
    CheckupEntry,
    CheckupSection,
    Document,
    Faq,
    Locations,
    Rule,
    Station,
    StationTypeSpec,
)


class TermEntry(BaseModel):
    """One jieba user-dictionary line: word, optional frequency and part-of-speech tag."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    word: str = Field(pattern=r"^\S+$", max_length=64)
    freq: int | None = Field(default=None, ge=1)
    tag: str | None = Field(default=None, pattern=r"^[a-zA-Z]+$")


# How a kind is written in knowledge/: one Markdown file per entry in a folder, a YAML list under the
# collection's name, one YAML object, or jieba user-dictionary lines.
Layout = Literal["folder", "list", "object", "userdict"]

# The groups of a check-up report as the report names them.
SECTION_LABELS = {
    CheckupSection.apply: "可以申请/可以利用",
    CheckupSection.caution: "需要注意",
    CheckupSection.where: "去哪里办",
    CheckupSection.next: "下一步",
}

PROVENANCE_LABELS = {
    "source": "来源",
    "source_url": "来源网址",
    "source_date": "来源日期",
    "status": "状态",
    "reviewed_by": "复核人",
    "reviewed_on": "复核日期",
    "reviewed_against": "核对依据",
}


@dataclass(frozen=True)
class Files:
    """Where a kind's entries are in knowledge/."""

    collection: str  # the attribute of KnowledgeBase, also the top-level YAML key of a list file
    file: str  # the file (or folder)
    layout: Layout


@dataclass(frozen=True)
class Kind:
    """One kind of knowledge entry and everything the admin needs to know about it."""

    code: str  # the stored kind, e.g. "station"
    label: str  # its Chinese name
    model: type[BaseModel]  # the schema an entry must pass
    files: Files  # where its entries are in knowledge/
    fields: Mapping[str, str]  # field → Chinese label; nested fields by dotted path ("ref.id")
    key_field: str = "id"  # "": a single entry whose key is the code (locations)
    title_field: str = ""  # the field that names an entry in lists, diffs and the audit log
    resource: str = ""  # its path under /admin/api/; "": not edited as a list of entries
    searched: bool = False  # its text is indexed and answered from (and audited for freshness)
    reviewable: bool = False  # carries provenance (source, date, status) and the 已复核 record
    places: bool = False  # names streets and parks that must be in the locations list
    # enum field → (what to choose, the Chinese labels of its values), for the error message
    choices: Mapping[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def meta_body(self) -> bool:
        """Stored as {meta, body} (a document), flat (meta fields beside body) in the API."""
        return self.files.layout == "folder"

    def key_of(self, flat: Mapping[str, Any]) -> str:
        """The key of an entry given in its API (flat) shape."""
        return str(flat[self.key_field]) if self.key_field else self.code

    def as_dict(self) -> dict[str, Any]:
        """What the admin page reads: names, labels and uses, no Python types."""
        return {
            "code": self.code,
            "label": self.label,
            "resource": self.resource,
            "key_field": self.key_field,
            "title_field": self.title_field,
            "title_label": self.fields.get(self.title_field, "名称"),
            "fields": dict(self.fields),
            "searched": self.searched,
            "reviewable": self.reviewable,
        }


# Field → Chinese label, by kind; nested fields by dotted path ("ref.id").
LABELS: dict[str, dict[str, str]] = {
    "document": {
        "id": "编号",
        "title": "标题",
        **PROVENANCE_LABELS,
        "issuer": "发文机关",
        "number": "文号",
        "date": "发文日期",
        "body": "正文",
    },
    "rule": {
        "id": "编号",
        "title": "标题",
        **PROVENANCE_LABELS,
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
    "station_type": {
        "code": "代码",
        "label": "名称",
        "serves": "可以咨询",
        "bring": "建议准备",
        "source": "来源",
        "needs": "分派的需求",
        "ip_types": "分派的知识产权类型",
        "fallback": "兜底类型",
    },
    "station": {
        "id": "编号",
        "title": "标题",
        **PROVENANCE_LABELS,
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
        "id": "编号",
        "title": "标题",
        **PROVENANCE_LABELS,
        "question": "问题",
        "alternatives": "相似问法",
        "answer": "答案",
    },
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
    "term": {"word": "词语", "freq": "词频", "tag": "词性"},
    "locations": {"streets": "街道", "parks": "园区"},
}

# code, label, model, (KnowledgeBase attribute, file, layout), labels, then what differs from the defaults
KIND_LIST = (
    Kind("document", "文档", Document, Files("documents", DOCUMENTS_DIR, "folder"), LABELS["document"],
         title_field="title", resource="documents", searched=True),
    Kind("rule", "政策条目", Rule, Files("rules", RULES_FILE, "list"), LABELS["rule"],
         title_field="title", resource="rules", searched=True, reviewable=True),
    Kind("station_type", "站点类型", StationTypeSpec, Files("station_types", STATION_TYPES_FILE, "list"),
         LABELS["station_type"], key_field="code", title_field="label", resource="station-types"),
    Kind("station", "服务站点", Station, Files("stations", STATIONS_FILE, "list"), LABELS["station"],
         title_field="name", resource="stations", searched=True, reviewable=True, places=True),
    Kind("faq", "常见问答", Faq, Files("faq", FAQ_FILE, "list"), LABELS["faq"],
         title_field="question", resource="faq", searched=True, reviewable=True),
    Kind("checkup", "体检规则", CheckupEntry, Files("checkup", CHECKUP_FILE, "list"), LABELS["checkup"],
         title_field="reason", resource="checkup",
         choices={"section": ("分组", tuple(SECTION_LABELS.values()))}),
    Kind("term", "词典词条", TermEntry, Files("userdict", USERDICT_FILE, "userdict"), LABELS["term"],
         key_field="word", title_field="word", resource="terms"),
    Kind("locations", "街道与园区", Locations, Files("locations", LOCATIONS_FILE, "object"),
         LABELS["locations"], key_field=""),
)  # fmt: skip
KINDS: dict[str, Kind] = {kind.code: kind for kind in KIND_LIST}


def label_of(code: str) -> str:
    """The Chinese name of a kind; an unknown code (an old version row) stands for itself."""
    kind = KINDS.get(code)
    return kind.label if kind else code


def searched_kinds() -> list[Kind]:
    return [kind for kind in KIND_LIST if kind.searched]


def edited_kinds() -> list[Kind]:
    """The kinds staff edit as lists, each under /admin/api/<resource>."""
    return [kind for kind in KIND_LIST if kind.resource]
