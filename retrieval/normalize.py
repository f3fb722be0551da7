"""Text normalisation shared by indexing and querying: NFKC, traditional→simplified, lower case."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional Chinese characters as simplified ones; everything else unchanged."""
    return str(_t2s().convert(text))


def normalize_text(text: str) -> str:
    """NFKC, convert traditional to simplified Chinese, lower-case and collapse whitespace."""
    text = unicodedata.normalize("NFKC", text)
    text = _t2s().convert(text)
    return _SPACES.sub(" ", text.lower()).strip()


def match_key(text: str) -> str:
    """Key for the evaluation match rule: NFKC, lower case, spaces and commas removed."""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s,，]", "", text)
