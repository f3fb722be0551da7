"""Pure routing rules: which kind of body, and which stations, fit a need, an IP type and a place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from retrieval.normalize import normalize_text
from retrieval.schema import Park, Station, StationType, StationTypeSpec, Street

# Which types serve which needs and IP types is data (knowledge/station_types.yml); the needs
# themselves, and which weighs most, belong to the vocabulary of needs.
OVERSEAS = "海外"  # routes on its own only with a dispute, or with nothing else asked
DISPUTE_NEEDS = frozenset({"维权", "诉讼", "调解"})
NEED_PRIORITY = ("海外", "诉讼", "调解", "维权", "融资", "转化", "预审", "资助", "注册", "咨询")

LocationStatus = Literal["none", "resolved", "unserved", "unknown", "ignored"]


class Directory(Protocol):
    """What routing needs from the knowledge base (retrieval.knowledge.KnowledgeBase fits)."""

    @property
    def stations(self) -> list[Station]: ...

    @property
    def station_types(self) -> list[StationTypeSpec]: ...

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


def plan_types(
    needs: Sequence[str], ip_type: str | None, kinds: Sequence[StationTypeSpec]
) -> tuple[tuple[StationType, ...], bool]:
    """Body types for the needs and IP type, and whether the need is unclear.

    The first need (by NEED_PRIORITY) that some type serves decides, with every type serving it in
    file order; else the IP type; else the fallback type."""
    wanted = set(needs)
    other_needs = wanted - {OVERSEAS, "咨询"}
    overseas = serving(kinds, OVERSEAS)
    if overseas and OVERSEAS in wanted and (wanted & DISPUTE_NEEDS or not other_needs):
        return overseas, False
    for need in routed_needs(kinds):
        if need in wanted:
            return serving(kinds, need), False
    by_ip = [k.type for k in kinds if ip_type and ip_type in k.ip_types]
    if by_ip:
        return (by_ip[0],), False
    return (fallback_type(kinds),), not wanted and not ip_type


def serving(kinds: Sequence[StationTypeSpec], need: str) -> tuple[StationType, ...]:
    """The types that serve a need, in file order."""
    return tuple(k.type for k in kinds if need in k.needs)


def routed_needs(kinds: Sequence[StationTypeSpec]) -> list[str]:
    """Needs some type serves, strongest first (海外 apart: it routes only on its own terms)."""
    served = list(dict.fromkeys(n for k in kinds for n in k.needs if n != OVERSEAS))
    return [n for n in NEED_PRIORITY if n in served] + [n for n in served if n not in NEED_PRIORITY]


def fallback_type(kinds: Sequence[StationTypeSpec]) -> StationType:
    """The type that takes everything else (the loader checks there is exactly one)."""
    return next(k.type for k in kinds if k.fallback)


def type_query(type_: str, kinds: Sequence[StationTypeSpec]) -> RouteQuery:
    """A query that routing sends to the type: its first need, else its first IP type."""
    spec = next(k for k in kinds if k.code == type_)
    if spec.needs:
        return RouteQuery(needs=(spec.needs[0],))
    return RouteQuery(ip_type=spec.ip_types[0] if spec.ip_types else None)


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
    types, unclear = plan_types(query.needs, query.ip_type, directory.station_types)
    fallback = fallback_type(directory.station_types)
    by_type = {t: [s for s in directory.stations if s.type == t] for t in types}
    primary = types[0]
    if not by_type[primary]:
        centre = tuple(s for s in directory.stations if s.type == fallback)
        return RouteDecision((fallback,), centre, needs_need=unclear, missing_type=True)
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
        centre = tuple(s for s in directory.stations if s.type == fallback)
        return RouteDecision((fallback,), centre, location_status="unknown")
    served = [s for s in candidates if serves(s, place)]
    if served:
        return RouteDecision(types, tuple(served), location=place, location_status="resolved")
    return RouteDecision(types, tuple(candidates), location=place, location_status="unserved")


def _with_location_note(
    types: tuple[StationType, ...], stations: Sequence[Station], query: RouteQuery
) -> RouteDecision:
    status: LocationStatus = "ignored" if query.location_text else "none"
    return RouteDecision(types, tuple(stations), location_status=status)
