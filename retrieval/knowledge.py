"""Load and validate the staff-owned knowledge base in knowledge/, all files or nothing."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from retrieval.checkup import check_checkup
from retrieval.errors import KnowledgeFormatError
from retrieval.normalize import normalize_text
from retrieval.provenance import EntryKind, provenance_problems
from retrieval.schema import (
    CheckupEntry,
    Document,
    DocumentMeta,
    Faq,
    Locations,
    Park,
    Rule,
    Station,
    StationType,
    StationTypeSpec,
    Street,
)

DOCUMENTS_DIR = "documents"
RULES_FILE = "rules.yml"
STATIONS_FILE = "stations.yml"
STATION_TYPES_FILE = "station_types.yml"
LOCATIONS_FILE = "locations.yml"
FAQ_FILE = "faq.yml"
USERDICT_FILE = "userdict.txt"
CHECKUP_FILE = "checkup.yml"  # optional: without it the check-up matches nothing

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n(.*)\Z", re.DOTALL)
_USERDICT_LINE = re.compile(r"^(\S+)(?:\s+(\d+))?(?:\s+([a-zA-Z]+))?$")

M = TypeVar("M", bound=BaseModel)


class _DataLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as strings; the schema decides how to parse them."""


_DataLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class UserWord:
    """One jieba user-dictionary entry."""

    word: str
    freq: int | None = None
    tag: str | None = None


@dataclass(frozen=True)
class KnowledgeBase:
    """A fully validated knowledge base; never partially loaded."""

    root: Path
    documents: list[Document]
    rules: list[Rule]
    stations: list[Station]
    locations: Locations
    faq: list[Faq]
    userdict: list[UserWord] = field(default_factory=list)
    checkup: list[CheckupEntry] = field(default_factory=list)
    station_types: list[StationTypeSpec] = field(default_factory=list)

    def station(self, station_id: str) -> Station | None:
        """Return the station with this id, or None."""
        return next((s for s in self.stations if s.id == station_id), None)

    def resolve_location(self, text: str) -> Street | Park | None:
        """Return the street or park whose name or alias is the longest match inside text."""
        matches = self.find_locations(text)
        return matches[0] if matches else None

    def find_locations(self, text: str) -> list[Street | Park]:
        """All streets and parks named in text, longest matching alias first, each once."""
        key = self.without_body_names(text)
        found: list[tuple[int, int, Street | Park]] = []
        for order, (place, names) in enumerate(self._place_names):
            lengths = [len(a) for a in names if a and a in key]
            if lengths:
                found.append((-max(lengths), order, place))
        return [place for _, _, place in sorted(found, key=lambda item: item[:2])]

    def _places(self) -> list[Street | Park]:
        return [*self.locations.streets, *self.locations.parks]

    @cached_property
    def _place_names(self) -> list[tuple[Street | Park, list[str]]]:
        """Every street and park with its normalised names, computed once (not on every message)."""
        return [(place, location_names(place)) for place in self._places()]

    def without_body_names(self, text: str) -> str:
        """Normalised text with the names of bodies named after places blanked out: in
        "同济大学上海国际知识产权学院" 同济 is a body, not the enterprise's place."""
        key = normalize_text(text)
        for body in self._bodies_named_after_places:
            key = key.replace(body, " ")
        return key

    @cached_property
    def _bodies_named_after_places(self) -> list[str]:
        """Station names (before any "（") that hold a place name inside a longer name (once per base)."""
        aliases = {a for _, names in self._place_names for a in names if a}
        names = {normalize_text(s.name.split("（")[0]) for s in self.stations}
        return sorted(
            (n for n in names if n not in aliases and any(a in n for a in aliases)), key=len, reverse=True
        )

    def street_of(self, place: Street | Park) -> Street | None:
        """The canonical street of a street or park (None if the park's street is unknown)."""
        if isinstance(place, Street):
            return place
        return next((s for s in self.locations.streets if s.name == place.street), None)


def location_names(place: Street | Park) -> list[str]:
    """Name and aliases, normalised; a street also answers to its name without 街道 (殷行)."""
    names = [place.name, *place.aliases]
    if isinstance(place, Street) and place.name.endswith("街道") and len(place.name) >= 4:
        names.append(place.name.removesuffix("街道"))
    return list(dict.fromkeys(normalize_text(n) for n in names))


def _entry_label(raw: Any, index: int) -> str:
    if isinstance(raw, dict):
        for key in ("id", "name", "question", "code"):
            value = raw.get(key)
            if isinstance(value, str) and value:
                return f"{value} (#{index})"
    return f"#{index}"


def _first_error(exc: ValidationError) -> tuple[str, str]:
    """All offending fields ("a, b") and their messages; a typo shows as missing + unknown."""
    locs: list[str] = []
    messages: list[str] = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(root)"
        if loc not in locs:
            locs.append(loc)
        messages.append(f"{loc}: {err['msg']}")
    return ", ".join(locs), "; ".join(messages)


def _validate_list(
    file: Path, raw: Any, key: str, model: type[M], provenance: EntryKind | None = None
) -> list[M]:
    """Validate each entry against its model and, for a provenance kind, the status discipline."""
    items = _top_level(file, raw, (key,))[key]
    if items is None:
        return []
    if not isinstance(items, list):
        raise KnowledgeFormatError(file, key, key, "应为列表 (expected a list)")
    result = []
    for index, item in enumerate(items):
        try:
            entry = model.model_validate(item)
        except ValidationError as exc:
            loc, msg = _first_error(exc)
            raise KnowledgeFormatError(file, _entry_label(item, index), loc, msg) from exc
        if provenance is not None and isinstance(entry, Rule | Faq | Station):
            problems = provenance_problems(provenance, entry, item.keys())
            if problems:
                fields = ", ".join(dict.fromkeys(name for name, _ in problems))
                messages = "; ".join(f"{name}: {message}" for name, message in problems)
                raise KnowledgeFormatError(file, _entry_label(item, index), fields, messages)
        result.append(entry)
    return result


def _top_level(file: Path, raw: Any, keys: Sequence[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise KnowledgeFormatError(file, "(file)", "(root)", f"应为包含 {', '.join(keys)} 的映射")
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise KnowledgeFormatError(file, "(file)", str(unknown[0]), "未知的顶层键 (unknown key)")
    missing = [k for k in keys if k not in raw]
    if missing:
        raise KnowledgeFormatError(file, "(file)", missing[0], "缺少顶层键 (missing key)")
    return raw


def _read_yaml(file: Path) -> Any:
    if not file.is_file():
        raise KnowledgeFormatError(file, "(file)", "(file)", "文件不存在 (file missing)")
    try:
        return yaml.load(file.read_text(encoding="utf-8"), Loader=_DataLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise KnowledgeFormatError(file, "(file)", "(syntax)", str(exc)) from exc


def load_document(file: Path) -> Document:
    """Parse one Markdown document with YAML front matter."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeFormatError(file, file.stem, "(file)", str(exc)) from exc
    match = _FRONT_MATTER.match(text)
    if not match:
        raise KnowledgeFormatError(file, file.stem, "(front matter)", "缺少 --- 包围的 YAML 头")
    try:
        meta_raw = yaml.load(match.group(1), Loader=_DataLoader)
    except yaml.YAMLError as exc:
        raise KnowledgeFormatError(file, file.stem, "(front matter)", str(exc)) from exc
    try:
        meta = DocumentMeta.model_validate(meta_raw)
        document = Document(meta=meta, body=match.group(2).strip())
    except ValidationError as exc:
        loc, msg = _first_error(exc)
        raise KnowledgeFormatError(file, _entry_label(meta_raw, 0), loc, msg) from exc
    if meta.id != file.stem:
        raise KnowledgeFormatError(file, meta.id, "id", f"id 应与文件名一致：{file.stem}")
    return document


def load_userdict(file: Path) -> list[UserWord]:
    """Read a jieba user dictionary file."""
    if not file.is_file():
        raise KnowledgeFormatError(file, "(file)", "(file)", "文件不存在 (file missing)")
    return parse_userdict(file.read_text(encoding="utf-8"), file)


def parse_userdict(text: str, file: Path | str = USERDICT_FILE) -> list[UserWord]:
    """Parse jieba user-dictionary text ("word [freq] [tag]" per line; # starts a comment)."""
    words = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _USERDICT_LINE.match(line)
        if not match:
            raise KnowledgeFormatError(file, f"line {number}", "word", f"格式应为“词 频率 词性”：{line}")
        freq = int(match.group(2)) if match.group(2) else None
        words.append(UserWord(match.group(1), freq, match.group(3)))
    return words


def knowledge_files(root: Path) -> list[Path]:
    """Every file the loader reads, in a stable order."""
    docs = sorted((root / DOCUMENTS_DIR).glob("*.md"))
    names = [
        RULES_FILE, STATION_TYPES_FILE, STATIONS_FILE, LOCATIONS_FILE, FAQ_FILE, USERDICT_FILE, CHECKUP_FILE,
    ]  # fmt: skip
    return docs + [root / n for n in names if (root / n).exists()]


def knowledge_hash(root: Path) -> str:
    """Stable sha256 over the names and contents of every knowledge file."""
    digest = hashlib.sha256()
    for file in knowledge_files(root):
        digest.update(file.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_knowledge(root: Path) -> KnowledgeBase:
    """Load and validate every knowledge file; raise KnowledgeFormatError on the first problem."""
    root = Path(root)
    doc_dir = root / DOCUMENTS_DIR
    doc_files = sorted(doc_dir.glob("*.md"))
    if not doc_files:
        raise KnowledgeFormatError(doc_dir, "(dir)", "(file)", "没有任何 .md 文档 (no documents)")
    documents = [load_document(f) for f in doc_files]
    rules = _validate_list(root / RULES_FILE, _read_yaml(root / RULES_FILE), "rules", Rule, "rule")
    station_types = load_station_types(root / STATION_TYPES_FILE)
    stations = _validate_list(
        root / STATIONS_FILE, _read_yaml(root / STATIONS_FILE), "stations", Station, "station"
    )
    stations = _with_declared_types(root / STATIONS_FILE, stations, station_types)
    faq = _validate_list(root / FAQ_FILE, _read_yaml(root / FAQ_FILE), "faq", Faq, "faq")
    locations = _load_locations(root / LOCATIONS_FILE)
    base = KnowledgeBase(
        root=root,
        documents=documents,
        rules=rules,
        stations=stations,
        locations=locations,
        faq=faq,
        userdict=load_userdict(root / USERDICT_FILE),
        checkup=_load_checkup(root / CHECKUP_FILE),
        station_types=station_types,
    )
    _check_references(base)
    check_checkup(root / CHECKUP_FILE, base)
    return base


def load_station_types(file: Path) -> list[StationTypeSpec]:
    """The kinds of body: unique codes and labels, exactly one fallback."""
    types = _validate_list(file, _read_yaml(file), "station_types", StationTypeSpec)
    if not types:
        raise KnowledgeFormatError(file, "station_types", "station_types", "至少需要一种站点类型")
    _check_unique(file, (t.code for t in types), {}, "code")
    labels: dict[str, str] = {}
    for spec in types:
        if labels.setdefault(spec.label, spec.code) != spec.code:
            message = f"名称“{spec.label}”与 {labels[spec.label]} 重复"
            raise KnowledgeFormatError(file, spec.code, "label", message)
    fallbacks = [t.code for t in types if t.fallback]
    if len(fallbacks) != 1:
        message = f"应有且只有一种 fallback: true 的类型（现有：{'、'.join(fallbacks) or '没有'}）"
        raise KnowledgeFormatError(file, "station_types", "fallback", message)
    return types


def _with_declared_types(file: Path, stations: list[Station], types: list[StationTypeSpec]) -> list[Station]:
    """Each station with its declared type (which carries the label); unknown codes are errors."""
    declared: dict[str, StationType] = {t.code: t.type for t in types}
    result = []
    for station in stations:
        if station.type not in declared:
            known = "、".join(declared)
            message = f"未知的站点类型“{station.type}”，请先在 {STATION_TYPES_FILE} 中添加（现有：{known}）"
            raise KnowledgeFormatError(file, station.id, "type", message)
        result.append(station.model_copy(update={"type": declared[station.type]}))
    return result


def _load_checkup(file: Path) -> list[CheckupEntry]:
    """The check-up matching rules, or none when the file does not exist."""
    if not file.is_file():
        return []
    return _validate_list(file, _read_yaml(file), "checkup", CheckupEntry)


def _load_locations(file: Path) -> Locations:
    raw = _top_level(file, _read_yaml(file), ("streets", "parks"))
    streets = _validate_list(file, {"streets": raw["streets"]}, "streets", Street)
    parks = _validate_list(file, {"parks": raw["parks"]}, "parks", Park)
    return Locations(streets=streets, parks=parks)


def _check_unique(file: Path, ids: Iterable[str], seen: dict[str, Path], what: str) -> None:
    for ident in ids:
        if ident in seen:
            raise KnowledgeFormatError(file, ident, what, "重复的 id (duplicate id)")
        seen[ident] = file


def _check_references(base: KnowledgeBase) -> None:
    root = base.root
    # Ids are unique within a kind (a hit is identified by kind and doc_id).
    _check_unique(root / DOCUMENTS_DIR, (d.meta.id for d in base.documents), {}, "id")
    _check_unique(root / RULES_FILE, (r.id for r in base.rules), {}, "id")
    _check_unique(root / STATIONS_FILE, (s.id for s in base.stations), {}, "id")
    _check_unique(root / FAQ_FILE, (f.id for f in base.faq), {}, "id")
    streets = {s.name for s in base.locations.streets}
    parks = {p.name for p in base.locations.parks}
    loc_file = root / LOCATIONS_FILE
    for park in base.locations.parks:
        if park.street and park.street not in streets:
            raise KnowledgeFormatError(loc_file, park.name, "street", f"未知街道：{park.street}")
    owners: dict[str, str] = {}
    places: list[Street | Park] = [*base.locations.streets, *base.locations.parks]
    for place in places:
        for alias in location_names(place):
            if owners.setdefault(alias, place.name) != place.name:
                raise KnowledgeFormatError(
                    loc_file, place.name, "aliases", f"别名“{alias}”同时指向 {owners[alias]}"
                )
    station_file = root / STATIONS_FILE
    for station in base.stations:
        for street in station.streets:
            if street not in streets:
                raise KnowledgeFormatError(station_file, station.id, "streets", f"未知街道：{street}")
        for park_name in station.parks:
            if park_name not in parks:
                raise KnowledgeFormatError(station_file, station.id, "parks", f"未知园区：{park_name}")
