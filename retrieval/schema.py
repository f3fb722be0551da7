"""Pydantic models for the staff-owned knowledge base in `knowledge/` (the data contract)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, field_validator
from pydantic_core import CoreSchema, core_schema

from retrieval.levels import level_cues

# Mainland landlines (021-35363288), mobiles and short national hotlines (12330, 12345).
PHONE_PATTERN = re.compile(r"^(0\d{2,3}-\d{7,8}(-\d{1,6})?|1[3-9]\d{9}|123\d{2})$")


class StationType(str):
    """A station type code from knowledge/station_types.yml, carrying its Chinese label.

    The loader gives every station the declared value, so whoever holds a station can show its
    label; the codes compare and hash as plain strings.
    """

    label: str
    service_center: ClassVar[StationType]  # the codes the code itself names (compose, check-up)
    trademark_station: ClassVar[StationType]
    copyright_station: ClassVar[StationType]
    protection_center: ClassVar[StationType]
    mediation: ClassVar[StationType]
    court: ClassVar[StationType]
    tech_transfer: ClassVar[StationType]
    overseas: ClassVar[StationType]
    regulator: ClassVar[StationType]

    def __new__(cls, code: str, label: str = "") -> StationType:
        value = super().__new__(cls, code)
        value.label = label or getattr(code, "label", "") or str(code)
        return value

    @property
    def value(self) -> str:
        """The code (as the former enum's `.value`)."""
        return str(self)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        def keep_label(value: Any, handler: core_schema.ValidatorFunctionWrapHandler) -> StationType:
            return value if isinstance(value, StationType) else cls(handler(value))

        return core_schema.no_info_wrap_validator_function(
            keep_label,
            core_schema.str_schema(pattern=STATION_TYPE_CODE),
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )


STATION_TYPE_CODE = r"^[a-z][a-z0-9_]*$"
for _code in (
    "service_center", "trademark_station", "copyright_station", "protection_center", "mediation",
    "court", "tech_transfer", "overseas", "regulator",
):  # fmt: skip
    setattr(StationType, _code, StationType(_code))




class Status(str, Enum):  # noqa: UP042 - str() and format() must stay as they were
    current = "current"
    historical = "historical"
    unknown = "unknown"


UNSTATED = "未注明"  # source_date of a source that carries no date
UNPUBLISHED_CATEGORY = "未公开事项"  # a rule entry recording what no public source states
_SOURCE_DATE = re.compile(r"^(约)?(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(年)?$")


@dataclass(frozen=True)
class SourceDate:
    """A source date as precise as its source: a year, a month or a day, possibly approximate (约2023年)."""

    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    @property
    def earliest(self) -> datetime.date:
        """First day of the period the source date names (2021 → 2021-01-01)."""
        return datetime.date(self.year, self.month or 1, self.day or 1)


def parse_source_date(text: str) -> SourceDate | None:
    """Parse 2022-03-03, 2018-05, 2021, 约2023年 (None for 未注明); ValueError for anything else."""
    text = text.strip()
    if text == UNSTATED:
        return None
    match = _SOURCE_DATE.match(text)
    if not match or (match.group(5) and (match.group(3) or not match.group(1))):
        raise ValueError(f"来源日期应写作 2022-03-03、2018-05、2021、约2023年 或 {UNSTATED}：{text!r}")
    approx, year, month, day = match.group(1), int(match.group(2)), match.group(3), match.group(4)
    parsed = SourceDate(year, int(month) if month else None, int(day) if day else None, bool(approx))
    try:
        parsed.earliest  # noqa: B018 - validates month and day
    except ValueError as exc:
        raise ValueError(f"来源日期不存在：{text!r}") from exc
    return parsed


class Strict(BaseModel):
    """Base: unknown fields are errors, so a typo in a data file never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DocumentMeta(Strict):
    """Front matter of a Markdown source document in knowledge/documents/."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1)
    issuer: str = ""
    number: str = ""  # document number, e.g. 杨府发〔2024〕4号
    date: datetime.date | None = None  # annotated via the module: the field name shadows the type
    source_url: str = ""
    status: Status = Status.current


class Document(Strict):
    meta: DocumentMeta
    body: str = Field(min_length=1)


class Rule(Strict):
    """One subsidy or financing rule; empty strings mean 'no source found'."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1)
    category: str = Field(min_length=1)  # e.g. 专利资助, 质押融资, 专利保险, 政策背景
    level: str = Field(min_length=1)  # 杨浦区 / 上海市 / 国家
    eligible: str = ""
    funded: str = ""
    rate_and_cap: str = ""
    period: str = ""
    legal_basis: str = ""
    how_to_apply: str = ""
    notes: str = ""
    source: str = Field(min_length=1)
    source_url: str = ""
    source_date: str = ""  # 2022-03-03, 2018-05, 2021, 约2023年 or 未注明 (the loader checks)
    status: Status
    reviewed_by: str = ""  # 已复核: staff member who checked the entry
    reviewed_on: datetime.date | None = None  # ... on this day
    reviewed_against: str = ""  # ... against this source


class StationTypeSpec(Strict):
    """One kind of service body (knowledge/station_types.yml): what it is for and who is sent there."""

    code: str = Field(pattern=STATION_TYPE_CODE)
    label: str = Field(min_length=1)  # Chinese name shown to users, e.g. 商标品牌指导站
    serves: str = Field(min_length=1)  # what to ask it about (可以咨询：…)
    bring: str = Field(min_length=1)  # what to have ready (建议准备：…)
    source: str = Field(min_length=1)
    needs: list[str] = Field(default_factory=list)  # canonical needs routed here (维权, 诉讼…)
    ip_types: list[str] = Field(default_factory=list)  # IP types whose registering or questions come here
    fallback: bool = False  # the body for anything else; stands in when a type has no station

    @property
    def type(self) -> StationType:
        """The code as a value that carries the label."""
        return StationType(self.code, self.label)


class Station(Strict):
    """One service body; fields without a source stay empty."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1)
    type: StationType
    services: list[str] = Field(default_factory=list)
    address: str = ""
    phone: str = ""
    hours: str = ""
    streets: list[str] = Field(default_factory=list)  # canonical street names served
    parks: list[str] = Field(default_factory=list)  # canonical park names served
    whole_district: bool = False  # serves every street and park
    source: str = ""
    source_date: str = ""
    status: Status = Status.unknown  # the loader requires it in stations.yml
    verified: bool = False
    demo: bool = False
    reviewed_by: str = ""
    reviewed_on: datetime.date | None = None
    reviewed_against: str = ""

    @field_validator("phone")
    @classmethod
    def _phone_format(cls, value: str) -> str:
        if value and not all(PHONE_PATTERN.match(p.strip()) for p in value.split("/")):
            raise ValueError(f"电话格式不正确：{value}")
        return value


class Street(Strict):
    name: str = Field(min_length=1)  # e.g. 五角场街道
    code: str = Field(pattern=r"^\d{9}$")
    aliases: list[str] = Field(default_factory=list)


class Park(Strict):
    name: str = Field(min_length=1)  # e.g. 长阳创谷
    street: str = ""  # canonical street it lies in, when a source says so
    address: str = ""
    aliases: list[str] = Field(default_factory=list)
    source: str = ""


class Locations(Strict):
    streets: list[Street]
    parks: list[Park]


class Faq(Strict):
    """A curated question and answer written by staff."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    question: str = Field(min_length=1)
    alternatives: list[str] = Field(default_factory=list)
    answer: str = Field(min_length=1)
    level: str = ""  # 杨浦区 / 上海市 / 国家 when the answer is about one level of government
    source: str = Field(min_length=1)  # citation shown to users
    source_date: str = ""
    status: Status = Status.current  # historical: the answer restates an expired standard
    reviewed_by: str = ""
    reviewed_on: datetime.date | None = None
    reviewed_against: str = ""

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        known = level_cues()
        if value and value not in known:
            raise ValueError(f"层级须为 {'、'.join(known)} 之一或留空")
        return value


# 知识产权体检 (check-up): the answer options of each profile field, fixed by the form; a
# condition in knowledge/checkup.yml may only name these (locations: names from locations.yml).
SKIPPED = "跳过"
CHECKUP_OPTIONS: dict[str, tuple[str, ...]] = {
    # the plan's “三大千亿级”产业集群 and 四大新兴领域 (杨府发〔2024〕4号 四、（一）3.), then 其他
    "industry": (
        "在线新经济", "智能制造", "创意设计", "科技服务", "人工智能", "生命健康", "绿色低碳", "其他",
    ),
    "size": ("中小微企业", "大中型企业", "高校或科研院所"),
    "ip": ("专利", "商标", "版权或软件著作权", "暂无"),
    "plans": ("融资", "开拓海外市场", "技术许可或引进", "品牌建设", "暂无"),
    "dispute": ("没有", "国内纠纷", "海外纠纷"),
}
CHECKUP_FIELDS = ("industry", "location", "size", "ip", "plans", "dispute")


class CheckupSection(str, Enum):  # noqa: UP042 - as Status
    """The groups of a check-up report, in the order they are shown."""

    apply = "apply"  # 可以申请/可以利用
    caution = "caution"  # 需要注意
    where = "where"  # 去哪里办
    next = "next"  # 下一步


class CheckupWhen(Strict):
    """Conditions on the profile: every field named must hold one of the listed answers."""

    industry: list[str] = Field(default_factory=list)
    location: list[str] = Field(default_factory=list)
    size: list[str] = Field(default_factory=list)
    ip: list[str] = Field(default_factory=list)
    plans: list[str] = Field(default_factory=list)
    dispute: list[str] = Field(default_factory=list)

    def named(self) -> dict[str, list[str]]:
        """The fields that carry a condition."""
        return {name: values for name in CHECKUP_FIELDS if (values := getattr(self, name))}


class CheckupRef(Strict):
    """The knowledge entry a report line rests on."""

    kind: str = Field(pattern=r"^(rule|faq|document|station_type)$")
    id: str = Field(min_length=1)
    quote: str = ""  # document: the clause's words, verbatim
    fields: list[str] = Field(default_factory=list)  # rule/faq fields shown after the reason


class CheckupEntry(Strict):
    """One matching rule of the check-up: a profile condition, a report group, an entry, a reason."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    section: CheckupSection
    when: CheckupWhen
    ref: CheckupRef
    reason: str = Field(min_length=1)  # short, in Chinese, said only from the referenced entry
