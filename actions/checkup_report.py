"""The check-up report: which knowledge entries a profile matches, and every line with its citation.

Pure functions over a loaded knowledge base; `actions/checkup.py` reads the profile from the slots.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from actions.routing import RouteQuery, route, serves, type_query
from retrieval.knowledge import KnowledgeBase
from retrieval.schema import (
    CHECKUP_FIELDS,
    CheckupEntry,
    CheckupSection,
    Park,
    Station,
    StationType,
    Street,
)

Profile = Mapping[str, tuple[str, ...]]  # field → chosen options; a skipped field is empty
T = StationType
# The route query that leads to each body type (actions/routing.py decides the stations).
TYPE_QUERIES: dict[StationType, RouteQuery] = {
    T.trademark_station: RouteQuery(ip_type="商标"),
    T.copyright_station: RouteQuery(ip_type="版权"),
    T.service_center: RouteQuery(needs=("资助",)),
    T.protection_center: RouteQuery(needs=("维权",)),
    T.regulator: RouteQuery(needs=("维权",)),
    T.mediation: RouteQuery(needs=("维权",)),
    T.court: RouteQuery(needs=("诉讼",)),
    T.tech_transfer: RouteQuery(needs=("转化",)),
    T.overseas: RouteQuery(needs=("海外",)),
}
MAX_UNLOCATED = 3  # more local stations than this and no place: ask for the place instead of listing


@dataclass(frozen=True)
class ReportLine:
    """One line of the report and the knowledge entry it rests on."""

    section: CheckupSection
    text: str
    ref_kind: str  # rule, faq, document, station or station_type
    ref_id: str
    source: str  # the citation shown under the line
    entry_id: str  # the checkup.yml entry that matched
    demo: bool = False
    brief: str = ""  # the line in a few words (channels with little room, WeChat): the entry's reason
    title: str = ""  # the cited entry's title, a short citation beside the brief


@dataclass(frozen=True)
class Report:
    profile: dict[str, tuple[str, ...]]
    lines: tuple[ReportLine, ...]
    location: Street | Park | None = None

    @property
    def empty(self) -> bool:
        return not self.lines

    def section(self, section: CheckupSection) -> list[ReportLine]:
        return [line for line in self.lines if line.section == section]


@dataclass
class _Builder:
    base: KnowledgeBase
    texts: dict[str, Any]
    location: Street | Park | None
    lines: list[ReportLine] = field(default_factory=list)
    seen: set[tuple[str, str, str, str]] = field(default_factory=set)

    def add(self, line: ReportLine, clause: str = "") -> None:
        """Add a line unless the same entry (and clause of a document) is already in its section."""
        key = (line.section.value, line.ref_kind, line.ref_id, clause)
        if key not in self.seen:
            self.seen.add(key)
            self.lines.append(line)


def matches(entry: CheckupEntry, profile: Profile) -> bool:
    """True when every field the entry names holds one of its listed answers."""
    return all(set(profile.get(name, ())) & set(values) for name, values in entry.when.named().items())


def matching_entries(entries: list[CheckupEntry], profile: Profile) -> list[CheckupEntry]:
    return [entry for entry in entries if matches(entry, profile)]


def _dated(source: str, date: str) -> str:
    return f"{source}（{date}）" if date else source


def _fields_text(values: dict[str, str], names: list[str], labels: dict[str, str], missing: str) -> str:
    said = {name: (values.get(name) or "").rstrip("。；; ") or missing for name in names}
    return "".join(f"{labels.get(name, name)}：{said[name]}。" for name in names)


def _entry_line(entry: CheckupEntry, builder: _Builder) -> ReportLine:
    """The line of a rule, FAQ or document entry: the reason, the entry's own facts, the citation."""
    texts, base, ref = builder.texts, builder.base, entry.ref
    missing = texts["missing"]
    status_words = texts["status"]
    if ref.kind == "rule":
        rule = next(r for r in base.rules if r.id == ref.id)
        values = {k: str(v) for k, v in rule.model_dump(mode="json").items()}
        facts = _fields_text(values, ref.fields, texts["rule_fields"], missing)
        status = status_words[rule.status.value]
        title = rule.title if status in rule.title else f"{rule.title}（{status}）"
        text = f"{entry.reason}{title}。{facts}"
        source = _dated(rule.source, rule.source_date)
        short = rule.title
    elif ref.kind == "faq":
        faq = next(f for f in base.faq if f.id == ref.id)
        values = {k: str(v) for k, v in faq.model_dump(mode="json").items()}
        facts = _fields_text(values, ref.fields, texts["faq_fields"], missing)
        status = "" if faq.status.value == "current" else f"（{status_words[faq.status.value]}）"
        text = f"{entry.reason}{status}{facts}"
        source = _dated(faq.source, faq.source_date)
        short = faq.question
    else:
        document = next(d for d in base.documents if d.meta.id == ref.id)
        meta = document.meta
        text = entry.reason + texts["quote"].format(quote=ref.quote)
        cited = f"《{meta.title}》" + (f"（{meta.number}）" if meta.number else "")
        source = _dated(cited, meta.date.isoformat() if meta.date else "")
        short = meta.number or f"《{meta.title}》"
    return ReportLine(
        entry.section, text, ref.kind, ref.id, source, entry.id, brief=entry.reason, title=short
    )


def _station_line(station: Station, entry: CheckupEntry, texts: dict[str, Any]) -> ReportLine:
    missing = texts["missing"]
    text = texts["station"].format(
        name=station.name,
        demo=texts["demo"] if station.demo else "",
        services="、".join(station.services) or missing,
        address=station.address or missing,
        phone=station.phone or missing,
    )
    source = _dated(station.source or station.name, station.source_date)
    brief = texts["station_brief"].format(
        name=station.name, demo=texts["demo"] if station.demo else "", phone=station.phone or missing
    )
    return ReportLine(
        entry.section, text, "station", station.id, source, entry.id, demo=station.demo, brief=brief
    )


def stations_for(
    type_: StationType, location: Street | Park | None, base: KnowledgeBase
) -> tuple[list[Station], str]:
    """Stations of a type for the place, through routing, and what happened: resolved, none, unserved
    or missing (no station of the type; the service centre stands in)."""
    query = TYPE_QUERIES.get(type_) or type_query(type_, base.station_types)
    query = RouteQuery(query.needs, query.ip_type, location.name if location else None)
    decision = route(query, base)
    if decision.missing_type:
        return list(decision.stations), "missing"
    stations = [s for s in decision.stations if s.type == type_]
    if location is None:
        local = [s for s in stations if not s.whole_district]
        return stations, "none" if len(local) > MAX_UNLOCATED else "resolved"
    served = [s for s in stations if serves(s, location)]
    return (served, "resolved") if served else (stations, "unserved")


def _where_lines(entry: CheckupEntry, builder: _Builder) -> None:
    texts = builder.texts
    type_ = next(k.type for k in builder.base.station_types if k.code == entry.ref.id)  # the loader checked
    if (entry.section.value, "station_type", type_.value, "") in builder.seen:
        return
    label = type_.label
    stations, status = stations_for(type_, builder.location, builder.base)
    source = "、".join(dict.fromkeys(_dated(s.source or s.name, s.source_date) for s in stations))
    note = {
        "none": texts["no_location"].format(count=len(stations), label=label),
        "unserved": texts["unserved"].format(place=getattr(builder.location, "name", ""), label=label),
        "missing": texts["missing_type"].format(label=label),
    }.get(status, "")
    text = f"{entry.reason}{note}"
    brief = entry.reason + texts["brief_notes"].get(status, "").format(label=label)
    line = ReportLine(entry.section, text, "station_type", type_.value, source, entry.id)
    builder.add(replace(line, brief=brief, title=label))
    if status == "none":
        return
    for station in stations:
        builder.add(_station_line(station, entry, texts))


def build_report(
    base: KnowledgeBase, profile: Profile, texts: dict[str, Any], location: Street | Park | None = None
) -> Report:
    """The report for a profile: matching entries grouped in section order, stations for the place."""
    builder = _Builder(base, texts, location)
    matched = matching_entries(base.checkup, profile)
    for section in CheckupSection:
        for entry in (e for e in matched if e.section == section):
            if entry.ref.kind == "station_type":
                _where_lines(entry, builder)
            else:
                builder.add(_entry_line(entry, builder), entry.ref.quote)
    clean = {name: tuple(profile.get(name, ())) for name in CHECKUP_FIELDS}
    return Report(clean, tuple(builder.lines), location)


def render_text(report: Report, texts: dict[str, Any], labels: dict[str, str], skipped: str) -> str:
    """The report as plain text: title, the profile, numbered lines with their sources, a footer."""
    if report.empty:
        return str(texts["nothing"])
    profile = "；".join(f"{labels[k]} {'、'.join(v) or skipped}" for k, v in report.profile.items())
    parts = [str(texts["title"]), texts["profile"].format(profile=profile)]
    for section in CheckupSection:
        lines = report.section(section)
        if not lines:
            continue
        parts.append(f"【{texts['sections'][section.value]}】")
        for number, line in enumerate(lines, start=1):
            parts.append(f"{number}. {line.text}\n   {texts['source'].format(source=line.source)}")
    parts.append(str(texts["footer"]))
    return "\n".join(parts)


def report_payload(report: Report, texts: dict[str, Any]) -> dict[str, Any]:
    """The report as data for a card list: sections of lines, each with its entry and source."""
    return {
        "profile": {k: list(v) for k, v in report.profile.items()},
        "sections": [
            {
                "key": section.value,
                "title": texts["sections"][section.value],
                "lines": [
                    {
                        "text": line.text,
                        "source": line.source,
                        "ref": {"kind": line.ref_kind, "id": line.ref_id},
                        "entry": line.entry_id,
                        "demo": line.demo,
                        "brief": line.brief,
                        "title": line.title,
                    }
                    for line in report.section(section)
                ],
            }
            for section in CheckupSection
            if report.section(section)
        ],
    }
