"""A citation in words, from the source object an action sent (title, number, section, date, status…)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from service.schemas import Citation

_YEAR = re.compile(r"(20\d{2})\s*年度?")
_ISO = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
HTTP = re.compile(r"^https?://", re.IGNORECASE)


def field(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    return str(value).strip() if isinstance(value, (str, int, float)) else ""


def chinese_date(value: str) -> str:
    """2024-03-15 → 2024年3月15日, 2022-03 → 2022年3月; anything else as written (2021, 约2023年)."""
    match = _ISO.match(value.strip())
    if not match:
        return value
    year, month, day = match.groups()
    return f"{year}年{int(month)}月" + (f"{int(day)}日" if day else "")


def status_label(source: Mapping[str, object], labels: Mapping[str, Any]) -> str:
    """现行 / 历史（2021年度） / 现行状态未注明."""
    status = field(source, "status")
    if status == "current":
        return str(labels["current"])
    if status == "historical":
        year = _YEAR.search(f"{field(source, 'entry')} {field(source, 'title')}")
        return labels["historical_year"].format(year=year.group(1)) if year else str(labels["historical"])
    return str(labels["unknown"])


def cite(source: Mapping[str, object], labels: Mapping[str, Any]) -> str:
    """One source: title, document number, section, date, status (and 演示数据); a station's source by
    its title alone, clipped."""
    title = field(source, "title")
    if field(source, "kind") == "station":
        limit = int(labels["station_chars"])
        return title if len(title) <= limit else title[: limit - 1] + "…"
    shown = f"《{title}》" if field(source, "kind") == "document" and not title.startswith("《") else title
    parts = [shown]
    number, section, date = field(source, "number"), field(source, "section"), field(source, "date")
    if number and number not in title:
        parts.append(number)
    if section and section not in title:
        parts.append(section)
    if date:
        parts.append(chinese_date(date))
    parts.append(status_label(source, labels["status"]))
    if source.get("demo") is True:
        parts.append(str(labels["demo"]))
    return str(labels["part_separator"]).join(parts)


def citations(
    sources: Sequence[Mapping[str, object]], labels: Mapping[str, Any]
) -> tuple[str, list[Citation]]:
    """The label and the distinct citations of a reply's sources (a station list: the first few)."""
    stations = bool(sources) and all(field(s, "kind") == "station" for s in sources)
    found: dict[str, Citation] = {}
    for source in sources:
        text = cite(source, labels)
        url = field(source, "url")
        url = url if url.startswith("/") or HTTP.match(url) else ""  # a gateway page or the issuer's
        found.setdefault(text, Citation(text=text, url=url))
    cited = list(found.values())
    if stations:
        return str(labels["station_label"]), cited[: int(labels["station_count"])]
    return str(labels["label"]), cited
