"""Readiness of the retrieval index as seen from the gateway (reads the current build's manifest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def index_status(index_dir: Path) -> dict[str, Any]:
    """{"ready": bool, ...manifest summary}; never raises, health checks must answer."""
    current = index_dir / "current"
    try:
        manifest = json.loads((current / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return {"ready": False, "error": type(error).__name__}
    return {
        "ready": True,
        "build": current.resolve().name,
        "built_at": manifest.get("built_at") or manifest.get("build_time"),
        "counts": manifest.get("counts"),
    }
