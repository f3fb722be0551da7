"""Process-wide resources of the action server, created lazily: searcher, knowledge base, texts.

Actions call these through the module (`resources.get_searcher()`), so tests replace them with
`monkeypatch.setattr(resources, "get_searcher", lambda: fake)`.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml

from retrieval.errors import RetrievalError
from retrieval.hits import SearchResult
from retrieval.knowledge import KnowledgeBase, knowledge_files, load_knowledge
from retrieval.settings import get_settings
from retrieval.store import live_knowledge_dir

log = logging.getLogger(__name__)
DATA_DIR = Path(__file__).parent / "data"


class ActionDataError(ValueError):
    """A data file under actions/data/ does not have the expected shape."""


class SearcherLike(Protocol):
    def search(self, query: str, k: int = 5) -> SearchResult: ...

    def correct(self, text: str) -> str: ...


_searcher_lock = threading.Lock()


@lru_cache(maxsize=1)
def _load_searcher() -> SearcherLike:
    from retrieval.searcher import Searcher  # imported late: loading torch is slow

    return Searcher.from_settings()


def get_searcher() -> SearcherLike:
    """One Searcher per process (loads the embedding model once; it reloads switched indexes).

    The lock makes a question that arrives during the warm-up wait for it instead of loading a second copy.
    """
    with _searcher_lock:
        return _load_searcher()


def correct_spelling(text: str) -> str:
    """The message with homophone typos of the knowledge base's terms corrected; unchanged while
    the index cannot be loaded (the search then reports the error)."""
    try:
        return get_searcher().correct(text)
    except RetrievalError:
        return text


class _KnowledgeCache:
    """Keeps the loaded knowledge base and reloads it when a knowledge file changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, int], ...] = ()
        self._base: KnowledgeBase | None = None

    def get(self, root: Path) -> KnowledgeBase:
        stamp = tuple((str(f), f.stat().st_mtime_ns) for f in knowledge_files(root))
        with self._lock:
            if self._base is None or stamp != self._stamp:
                self._base = load_knowledge(root)  # KnowledgeFormatError propagates
                self._stamp = stamp
                log.info("loaded knowledge base from %s", root)
            return self._base


_knowledge = _KnowledgeCache()


def knowledge_root() -> Path:
    """The knowledge the live index was built from (what staff last published), else IPGP_KNOWLEDGE_DIR.

    Routing then shows the same station details as the answers: both come from the published build.
    """
    settings = get_settings()
    return live_knowledge_dir(settings.index_dir) or settings.knowledge_dir


def get_knowledge() -> KnowledgeBase:
    """The live knowledge base, reloaded when a publish switches the index or a file changes."""
    return _knowledge.get(knowledge_root())


def directory_or_none() -> KnowledgeBase | None:
    """The station directory for reading places, or None while the knowledge base is broken."""
    try:
        return get_knowledge()
    except RetrievalError:
        return None


def _read(name: str) -> dict[str, Any]:
    data = yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ActionDataError(f"{DATA_DIR / name}: expected a mapping")
    return data


@lru_cache(maxsize=1)
def replies() -> dict[str, Any]:
    """Chinese reply texts of the custom actions (actions/data/replies.yml)."""
    return _read("replies.yml")


def station_guide() -> dict[str, dict[str, str]]:
    """What to ask and bring, per station type code (knowledge/station_types.yml); empty while
    the knowledge base is broken."""
    base = directory_or_none()
    kinds = base.station_types if base else []
    return {k.code: {"ask": k.serves, "bring": k.bring, "source": k.source} for k in kinds}


def warm_up() -> None:
    """Load the searcher (embedding model, index) and the knowledge base before the first user."""
    try:
        get_knowledge()
        get_searcher().search("知识产权", k=1)
    except RetrievalError as error:
        log.warning("warm-up failed, will retry on the first question: %s", error)
