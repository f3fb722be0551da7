"""Check-up matching rules (knowledge/checkup.yml): cross-checks against the rest of the knowledge base."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from retrieval.errors import KnowledgeFormatError
from retrieval.normalize import normalize_text
from retrieval.schema import CHECKUP_OPTIONS, CheckupEntry, Faq, Rule

if TYPE_CHECKING:
    from retrieval.knowledge import KnowledgeBase

RULE_FIELDS = frozenset(Rule.model_fields) - {"id"}
FAQ_FIELDS = frozenset(Faq.model_fields) - {"id"}
# What an enterprise must know of a policy it can apply for: who may apply, and how much. A rule line
# in 可以申请 always shows both, so a fact the rule lacks is said to be missing (未见公开来源).
APPLY_RULE_FIELDS = ("eligible", "rate_and_cap")


def _squeeze(text: str) -> str:
    """Normalised text without whitespace, so a quote may wrap differently from the document."""
    return "".join(normalize_text(text).split())


def entry_problems(entry: CheckupEntry, base: KnowledgeBase) -> list[tuple[str, str]]:
    """(field, Chinese message) for every way the entry does not fit the knowledge base."""
    problems: list[tuple[str, str]] = []
    named = entry.when.named()
    if not named:
        problems.append(("when", "至少要写一个条件（否则空白档案也会匹配）"))
    places = {s.name for s in base.locations.streets} | {p.name for p in base.locations.parks}
    for name, values in named.items():
        allowed = places if name == "location" else set(CHECKUP_OPTIONS[name])
        problems += [(f"when.{name}", f"未知选项：{v}") for v in values if v not in allowed]
    ref = entry.ref
    if ref.kind == "rule":
        if not any(r.id == ref.id for r in base.rules):
            problems.append(("ref.id", f"rules.yml 中没有这条规定：{ref.id}"))
        problems += [("ref.fields", f"规定没有这个字段：{f}") for f in ref.fields if f not in RULE_FIELDS]
        missing = [f for f in APPLY_RULE_FIELDS if f not in ref.fields]
        if entry.section.value == "apply" and missing:
            problems.append(
                (
                    "ref.fields",
                    "“可以申请/可以利用”引用规定时须摘录 eligible（申请对象）和 rate_and_cap（标准与上限），"
                    f"规定没写的报告写“未见公开来源”；缺少：{'、'.join(missing)}",
                )
            )
    elif ref.kind == "faq":
        if not any(f.id == ref.id for f in base.faq):
            problems.append(("ref.id", f"faq.yml 中没有这条问答：{ref.id}"))
        problems += [("ref.fields", f"问答没有这个字段：{f}") for f in ref.fields if f not in FAQ_FIELDS]
    elif ref.kind == "document":
        document = next((d for d in base.documents if d.meta.id == ref.id), None)
        if document is None:
            problems.append(("ref.id", f"documents/ 中没有这份文件：{ref.id}"))
        elif not ref.quote:
            problems.append(("ref.quote", "引用文件时必须写出条款原文（quote）"))
        elif _squeeze(ref.quote) not in _squeeze(document.body):
            problems.append(("ref.quote", "条款原文在文件正文中找不到（须逐字摘录）"))
    else:  # station_type
        if not any(t.code == ref.id for t in base.station_types):
            problems.append(("ref.id", f"未知的站点类型：{ref.id}"))
        elif entry.section.value != "where":
            problems.append(("section", "站点类型只能用于“去哪里办”（where）"))
    if ref.kind != "document" and ref.quote:
        problems.append(("ref.quote", "只有引用文件（document）时才写条款原文"))
    if ref.kind in ("document", "station_type") and ref.fields:
        problems.append(("ref.fields", "只有规定（rule）和问答（faq）可以列字段"))
    if entry.section.value == "where" and ref.kind != "station_type":
        problems.append(("ref.kind", "“去哪里办”只能引用站点类型（station_type）"))
    return problems


def check_checkup(file: Path, base: KnowledgeBase) -> None:
    """Raise KnowledgeFormatError for the first check-up entry that does not fit the knowledge base."""
    seen: set[str] = set()
    for entry in base.checkup:
        if entry.id in seen:
            raise KnowledgeFormatError(file, entry.id, "id", "重复的 id (duplicate id)")
        seen.add(entry.id)
        problems = entry_problems(entry, base)
        if problems:
            fields = ", ".join(dict.fromkeys(name for name, _ in problems))
            messages = "; ".join(f"{name}: {message}" for name, message in problems)
            raise KnowledgeFormatError(file, entry.id, fields, messages)
