"""Readiness of the retrieval index as seen from the gateway (reads the current build's manifest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from retrieval.errors import RetrievalError
from retrieval.store import read_manifest


def index_status(index_dir: Path) -> dict[str, Any]:
    """{"ready": bool, ...manifest summary}; never raises, health checks must answer."""
    current = index_dir / "current"
    try:
        manifest = read_manifest(current)
    except (OSError, RetrievalError) as error:
        return {"ready": False, "error": type(error).__name__}
    return {
        "ready": True,
        "build": current.resolve().name,
        "built_at": manifest.created_at,
        "counts": manifest.counts,
    }
