"""Pure routing rules: which kind of body, and which stations, fit a need, an IP type and a place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from retrieval.normalize import normalize_text
from retrieval.schema import Park, Station, StationType, Street

T = StationType
# Needs that decide the route whatever the IP type, strongest first. 海外 is handled before these.
NEED_ROUTES: dict[str, tuple[StationType, ...]] = {
    "诉讼": (T.court,),
    "调解": (T.mediation,),
    "维权": (T.protection_center, T.regulator, T.mediation),
    "融资": (T.service_center, T.tech_transfer),
    "转化": (T.tech_transfer,),
    "预审": (T.protection_center,),
    "资助": (T.service_center,),
}
# For registering or asking about a right, the IP type decides; anything else goes to the centre.
IP_ROUTES: dict[str, StationType] = {"商标": T.trademark_station, "版权": T.copyright_station}
DISPUTE_NEEDS = frozenset({"维权", "诉讼", "调解"})
NEED_PRIORITY = ("海外", "诉讼", "调解", "维权", "融资", "转化", "预审", "资助", "注册", "咨询")

LocationStatus = Literal["none", "resolved", "unserved", "unknown", "ignored"]


class Directory(Protocol):
    """What routing needs from the knowledge base (retrieval.knowledge.KnowledgeBase fits)."""

    @property
    def stations(self) -> list[Station]: ...

    def resolve_location(self, text: str) -> Street | Park | None: ...

    def without_body_names(self, text: str) -> str: ...


@dataclass(frozen=True)
class RouteQuery:
    """Canonical needs (any order), canonical IP type and the place as the user wrote it."""

    needs: tuple[str, ...] = ()
    ip_type: str | None = None
    location_text: str | None = None
    relevance_words: tuple[str, ...] = ()  # words of the need, to pick bodies in mixed routes


@dataclass(frozen=True)
class RouteDecision:
    """The body types to show, the stations themselves, and what is still missing."""

    station_types: tuple[StationType, ...]
    stations: tuple[Station, ...]
    needs_location: bool = False  # several stations of this type: ask for the street or park
    needs_need: bool = False  # nothing to route on: ask what the enterprise wants
    location: Street | Park | None = None
    location_status: LocationStatus = "none"
    missing_type: bool = False  # no station of the wanted type: the service centre stands in


def plan_types(needs: Sequence[str], ip_type: str | None) -> tuple[tuple[StationType, ...], bool]:
    """Body types for the needs and IP type, and whether the need is unclear."""
    wanted = set(needs)
    other_needs = wanted - {"海外", "咨询"}
    if "海外" in wanted and (wanted & DISPUTE_NEEDS or not other_needs):
        return (T.overseas,), False
    for need, types in NEED_ROUTES.items():
        if need in wanted:
            return types, False
    if ip_type in IP_ROUTES:
        return (IP_ROUTES[ip_type],), False
    return (T.service_center,), not wanted and not ip_type


def primary_need(needs: Sequence[str]) -> str | None:
    """The need that weighs most when a message names several (海外 before 维权 before 注册…)."""
    ranked = [n for n in NEED_PRIORITY if n in needs] + [n for n in needs if n not in NEED_PRIORITY]
    return ranked[0] if ranked else None


def location_matters(stations: Sequence[Station]) -> bool:
    """True when a type has several local stations, so the street or park picks among them."""
    return sum(1 for s in stations if not s.whole_district) > 1


def serves(station: Station, place: Street | Park) -> bool:
    """True when the station serves the street or park (or the whole district)."""
    if station.whole_district:
        return True
    if isinstance(place, Street):
        return place.name in station.streets
    return place.name in station.parks or bool(place.street and place.street in station.streets)


def relevant(stations: Sequence[Station], words: Sequence[str]) -> list[Station]:
    """Stations whose name or services mention one of the words; all of them if none does."""
    if not words:
        return list(stations)
    hits = [s for s in stations if any(w in normalize_text(" ".join([s.name, *s.services])) for w in words)]
    return hits or list(stations)


def route(query: RouteQuery, directory: Directory) -> RouteDecision:
    """Decide where to send the enterprise; never invents a station that is not in the directory."""
    types, unclear = plan_types(query.needs, query.ip_type)
    by_type = {t: [s for s in directory.stations if s.type == t] for t in types}
    primary = types[0]
    if not by_type[primary]:
        centre = tuple(s for s in directory.stations if s.type == T.service_center)
        return RouteDecision((T.service_center,), centre, needs_need=unclear, missing_type=True)
    if unclear:
        return RouteDecision(types, tuple(by_type[primary]), needs_need=True)
    if len(types) > 1:
        chosen = [s for t in types for s in relevant(by_type[t], query.relevance_words)]
        return _with_location_note(types, chosen, query)
    candidates = by_type[primary]
    if not location_matters(candidates):
        return _with_location_note(types, candidates, query)
    if not query.location_text:
        return RouteDecision(types, tuple(candidates), needs_location=True)
    place = directory.resolve_location(query.location_text)
    if place is None:
        centre = tuple(s for s in directory.stations if s.type == T.service_center)
        return RouteDecision((T.service_center,), centre, location_status="unknown")
    served = [s for s in candidates if serves(s, place)]
    if served:
        return RouteDecision(types, tuple(served), location=place, location_status="resolved")
    return RouteDecision(types, tuple(candidates), location=place, location_status="unserved")


def _with_location_note(
    types: tuple[StationType, ...], stations: Sequence[Station], query: RouteQuery
) -> RouteDecision:
    status: LocationStatus = "ignored" if query.location_text else "none"
    return RouteDecision(types, tuple(stations), location_status=status)
