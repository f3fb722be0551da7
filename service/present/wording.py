"""Wording files of the gateway (YAML), each read once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

WORDING_FILE = Path(__file__).with_name("wording.yml")


@lru_cache(maxsize=8)
def read_wording(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return loaded


def wording() -> dict[str, Any]:
    """How citations and station lines are worded (wording.yml beside this module)."""
    return read_wording(WORDING_FILE)
