"""Render structured knowledge entries (rules, stations, FAQ) as readable, searchable chunks."""

from __future__ import annotations

import datetime

from retrieval.chunking import chunk_document, split_text
from retrieval.hits import Chunk, ChunkKind, Source
from retrieval.knowledge import KnowledgeBase
from retrieval.schema import Faq, Rule, Station, Status

STATUS_WORDS = {Status.current: "现行", Status.historical: "历史标准", Status.unknown: "现行状态未知"}
ENTRY_MAX_CHARS = 450  # structured entries stay whole when they fit e5's 512 tokens
DEMO_NOTE = "演示数据：名称、地址和联系方式待工作人员核实。"


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def _lines(*pairs: tuple[str, str]) -> list[str]:
    return [f"{label}：{value}" for label, value in pairs if value]


def rule_status(rule: Rule) -> str:
    """Status in words, with the period when known, e.g. （2021年度，历史标准）."""
    words = STATUS_WORDS[rule.status]
    period = rule.period.rstrip("。；;，, ")
    return f"（{period}，{words}）" if period and len(period) <= 16 else f"（{words}）"


def render_rule(rule: Rule) -> tuple[str, str]:
    """Header and body text of a subsidy or financing rule."""
    header = f"{rule.title}{rule_status(rule)}"
    source = f"{rule.source}（{rule.source_date}）" if rule.source_date else rule.source
    body = _lines(
        ("类别", f"{rule.category}（{rule.level}）"),
        ("适用对象", rule.eligible),
        ("资助内容", rule.funded),
        ("标准与上限", rule.rate_and_cap),
        ("执行期间", rule.period),
        ("依据", rule.legal_basis),
        ("申请方式", rule.how_to_apply),
        ("说明", rule.notes),
        ("来源", source),
    )
    return header, "\n".join(body)


def render_station(station: Station) -> tuple[str, str]:
    """Header and body text of a service body; contact fields only when a source gives them."""
    label = station.type.label
    header = f"{station.name}（{label}）" + ("【演示数据】" if station.demo else "")
    if station.whole_district:
        scope = "杨浦全区"
    else:
        scope = "、".join([*station.streets, *station.parks])
    body = _lines(
        ("服务内容", "、".join(station.services)),
        ("地址", station.address),
        ("电话", station.phone),
        ("办公时间", station.hours),
        ("服务范围", scope),
        ("来源", station.source),
    )
    if station.demo:
        body.append(DEMO_NOTE)
    return header, "\n".join(body)


def render_faq(faq: Faq) -> tuple[str, str]:
    """Header and body text of a curated question and answer."""
    body = _lines(("相近问法", "；".join(faq.alternatives)), ("答", faq.answer))
    return f"问：{faq.question}", "\n".join(body)


def _chunks(
    doc_id: str,
    kind: ChunkKind,
    title: str,
    section: str,
    header: str,
    body: str,
    source: Source,
    level: str = "",
) -> list[Chunk]:
    parts = split_text(body, ENTRY_MAX_CHARS)
    return [
        Chunk(
            chunk_id=f"{kind}:{doc_id}#{n:03d}",
            doc_id=doc_id,
            kind=kind,
            title=title,
            section=section,
            body=part,
            text=f"{header}\n{part}",
            source=source,
            level=level,
        )
        for n, part in enumerate(parts)
    ]


def rule_chunks(rule: Rule) -> list[Chunk]:
    """Chunks of one rule (normally one)."""
    source = Source(
        title=rule.source,
        date=rule.source_date,
        url=rule.source_url,
        status=rule.status,
        reviewed_on=_iso(rule.reviewed_on),
    )
    header, body = render_rule(rule)
    return _chunks(rule.id, "rule", rule.title, rule.category, header, body, source, rule.level)


def station_source(station: Station) -> Source:
    """Where a station's details come from, as cited with answers and station lists."""
    return Source(
        title=station.source or station.name,
        date=station.source_date,
        status=station.status,
        demo=station.demo,
        verified=station.verified,
        reviewed_on=_iso(station.reviewed_on),
    )


def station_chunks(station: Station) -> list[Chunk]:
    """Chunks of one station (normally one)."""
    source = station_source(station)
    header, body = render_station(station)
    label = station.type.label
    return _chunks(station.id, "station", station.name, label, header, body, source)


def faq_chunks(faq: Faq) -> list[Chunk]:
    """Chunks of one FAQ entry (normally one)."""
    source = Source(
        title=faq.source, date=faq.source_date, status=faq.status, reviewed_on=_iso(faq.reviewed_on)
    )
    header, body = render_faq(faq)
    return _chunks(faq.id, "faq", faq.question, "常见问题", header, body, source, faq.level)


def knowledge_chunks(base: KnowledgeBase) -> list[Chunk]:
    """Every chunk of the knowledge base, documents first, in a stable order."""
    chunks = [c for d in base.documents for c in chunk_document(d)]
    chunks += [c for r in base.rules for c in rule_chunks(r)]
    chunks += [c for s in base.stations for c in station_chunks(s)]
    chunks += [c for f in base.faq for c in faq_chunks(f)]
    return chunks
