"""Between the knowledge/ file formats and the store: seed entries from files, export the draft to files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from retrieval.knowledge import (
    CHECKUP_FILE,
    DOCUMENTS_DIR,
    FAQ_FILE,
    LOCATIONS_FILE,
    RULES_FILE,
    STATIONS_FILE,
    USERDICT_FILE,
    KnowledgeBase,
)
from retrieval.provenance import REVIEW_FIELDS
from service.admin.store import KnowledgeStore

HEADER = "# 由管理后台导出（python -m service.admin export）；格式见 knowledge/README.md\n"


def seed_entries(base: KnowledgeBase) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(kind, key, stored JSON) of every entry of a loaded knowledge base, in file order."""
    for document in base.documents:
        yield "document", document.meta.id, document.model_dump(mode="json")
    for rule in base.rules:
        yield "rule", rule.id, rule.model_dump(mode="json")
    for station in base.stations:
        yield "station", station.id, station.model_dump(mode="json")
    for faq in base.faq:
        yield "faq", faq.id, faq.model_dump(mode="json")
    for entry in base.checkup:
        yield "checkup", entry.id, entry.model_dump(mode="json")
    for word in base.userdict:
        yield "term", word.word, {"word": word.word, "freq": word.freq, "tag": word.tag}
    yield "locations", "locations", base.locations.model_dump(mode="json")


def _without_empty_review(data: dict[str, Any]) -> dict[str, Any]:
    """Entries never reviewed stay as short in the files as staff wrote them."""
    return {k: v for k, v in data.items() if k not in REVIEW_FIELDS or v}


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def document_text(data: dict[str, Any]) -> str:
    """A document file: YAML front matter between --- lines, then the body."""
    return f"---\n{_yaml(data['meta'])}---\n{data['body'].strip()}\n"


def term_line(data: dict[str, Any]) -> str:
    return " ".join(str(part) for part in (data["word"], data.get("freq"), data.get("tag")) if part)


def export(store: KnowledgeStore, target: Path) -> list[Path]:
    """Write the draft in the knowledge/ formats into target (created); returns the files written."""
    target = Path(target)
    (target / DOCUMENTS_DIR).mkdir(parents=True, exist_ok=True)
    written = []
    for stale in (target / DOCUMENTS_DIR).glob("*.md"):
        stale.unlink()
    for entry in store.entries("document"):
        file = target / DOCUMENTS_DIR / f"{entry.key}.md"
        file.write_text(document_text(entry.data), encoding="utf-8")
        written.append(file)
    for kind, name, key in (
        ("rule", RULES_FILE, "rules"),
        ("station", STATIONS_FILE, "stations"),
        ("faq", FAQ_FILE, "faq"),
        ("checkup", CHECKUP_FILE, "checkup"),
    ):
        file = target / name
        file.write_text(
            HEADER + _yaml({key: [_without_empty_review(e.data) for e in store.entries(kind)]}),
            encoding="utf-8",
        )
        written.append(file)
    locations = store.entries("locations")
    file = target / LOCATIONS_FILE
    data = locations[0].data if locations else {"streets": [], "parks": []}
    file.write_text(HEADER + _yaml(data), encoding="utf-8")
    written.append(file)
    file = target / USERDICT_FILE
    lines = [term_line(e.data) for e in store.entries("term")]
    file.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    written.append(file)
    return written
