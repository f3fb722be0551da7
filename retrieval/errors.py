"""Named errors raised by the knowledge loader and the retrieval index."""

from __future__ import annotations

from pathlib import Path


class RetrievalError(Exception):
    """Base class of every error raised by the retrieval package."""


class KnowledgeFormatError(RetrievalError):
    """A knowledge file is missing, unreadable or breaks the schema; names file, entry and field."""

    def __init__(self, file: Path | str, entry: str, field: str, message: str) -> None:
        self.file = str(file)
        self.entry = entry
        self.field = field
        self.message = message
        super().__init__(f"{self.file}: entry {entry!s}, field {field!s}: {message}")


class IndexNotBuiltError(RetrievalError):
    """No index has been built (or the current pointer is dangling)."""


class IndexMismatchError(RetrievalError):
    """The index on disk was built with another schema version or embedding model."""


class IndexCorruptError(IndexMismatchError):
    """An index file is missing or unreadable."""


class ModelNotFoundError(RetrievalError):
    """The offline embedding model folder does not exist or is incomplete."""
