"""Between the knowledge/ file formats and the store: seed entries from files, export the draft to files."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from retrieval.knowledge import KnowledgeBase
from retrieval.provenance import REVIEW_FIELDS
from service.admin.entities import flat
from service.admin.kinds import KIND_LIST, Kind, Layout
from service.admin.store import Entry, KnowledgeStore

HEADER = "# 由管理后台导出（python -m service.admin export）；格式见 knowledge/README.md\n"


def _stored(item: Any) -> dict[str, Any]:
    """The stored JSON of one loaded entry (schema models, or the loader's plain user-dictionary words)."""
    return item.model_dump(mode="json") if isinstance(item, BaseModel) else dataclasses.asdict(item)


def seed_entries(base: KnowledgeBase) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(kind, key, stored JSON) of every entry of a loaded knowledge base, in file order."""
    for kind in KIND_LIST:
        loaded = getattr(base, kind.files.collection)
        for item in loaded if isinstance(loaded, list) else [loaded]:
            data = _stored(item)
            yield kind.code, kind.key_of(flat(kind.code, data)), data


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


def _write_folder(folder: Path, kind: Kind, entries: list[Entry]) -> list[Path]:
    """One Markdown file per entry; files of entries no longer in the draft are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.md"):
        stale.unlink()
    written = []
    for entry in entries:
        file = folder / f"{entry.key}.md"
        file.write_text(document_text(entry.data), encoding="utf-8")
        written.append(file)
    return written


def _write_list(file: Path, kind: Kind, entries: list[Entry]) -> list[Path]:
    data = {kind.files.collection: [_without_empty_review(e.data) for e in entries]}
    file.write_text(HEADER + _yaml(data), encoding="utf-8")
    return [file]


def _write_object(file: Path, kind: Kind, entries: list[Entry]) -> list[Path]:
    empty: dict[str, list[str]] = {name: [] for name in kind.fields}  # no entry yet: every list field empty
    file.write_text(HEADER + _yaml(entries[0].data if entries else empty), encoding="utf-8")
    return [file]


def _write_userdict(file: Path, kind: Kind, entries: list[Entry]) -> list[Path]:
    file.write_text("".join(f"{term_line(e.data)}\n" for e in entries), encoding="utf-8")
    return [file]


WRITERS: dict[Layout, Callable[[Path, Kind, list[Entry]], list[Path]]] = {
    "folder": _write_folder,
    "list": _write_list,
    "object": _write_object,
    "userdict": _write_userdict,
}


def export(store: KnowledgeStore, target: Path) -> list[Path]:
    """Write the draft in the knowledge/ formats into target (created); returns the files written."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for kind in KIND_LIST:
        written += WRITERS[kind.files.layout](target / kind.files.file, kind, store.entries(kind.code))
    return written
