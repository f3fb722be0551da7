"""A reply as plain text, for the chat API's `text` and for WeChat: its words, the stations, the notes,
then one citation line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.present.citation import field
from service.schemas import ChatReply


def station_line(number: int, station: Mapping[str, object], labels: Mapping[str, Any]) -> str:
    """'1. 名称【演示数据】 地址：…；电话：…' or the name with the honest 'no public contact' marker."""
    name = field(station, "name") + (labels["demo"] if station.get("demo") is True else "")
    details = [
        labels[key].format(**{key: field(station, key)})
        for key in ("address", "phone", "hours")
        if field(station, key)
    ]
    if not details:
        return f"{number}. {name}（{labels['no_contact']}）"
    if not field(station, "phone"):
        details.append(labels["no_contact"])
    return f"{number}. {name}\n   " + "；".join(details)


def plain_text(reply: ChatReply, labels: Mapping[str, Any]) -> str:
    """Lead, body, station lines, notes and the citation line, one per line."""
    parts = [reply.lead, reply.body]
    parts += [station_line(n, s, labels["station"]) for n, s in enumerate(reply.stations, start=1)]
    parts += reply.notes
    if reply.citations:
        joined = str(labels["citation"]["separator"]).join(c.text for c in reply.citations)
        parts.append(reply.citation_label + joined)
    return "\n".join(part for part in parts if part)
