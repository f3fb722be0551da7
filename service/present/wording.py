"""The wording file, read once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

WORDING_FILE = Path(__file__).with_name("wording.yml")


@lru_cache(maxsize=1)
def wording() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORDING_FILE.read_text(encoding="utf-8"))
    return loaded
