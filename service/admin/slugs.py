"""Entry ids made from Chinese titles: pinyin words joined by hyphens, unique within the kind."""

from __future__ import annotations

import re
from collections.abc import Collection

from service.admin.words import words

MAX_LENGTH = 48
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def _word_slug(word: str) -> str:
    from pypinyin import lazy_pinyin  # ~56 MiB, only when staff create an entry

    return _NOT_SLUG.sub("-", "".join(lazy_pinyin(word)).lower()).strip("-")


def slug_of(title: str, taken: Collection[str] = (), fallback: str = "entry") -> str:
    """e.g. 专利质押贷款贴息 → zhuanli-zhiya-daikuan-tiexi; "-2", "-3"… when the id is taken."""
    parts = [part for part in (_word_slug(word) for word in words(title.strip())) if part]
    slug = ""
    for part in parts:
        longer = f"{slug}-{part}" if slug else part
        if len(longer) > MAX_LENGTH:
            break
        slug = longer
    slug = slug or (parts[0][:MAX_LENGTH] if parts else fallback)
    unique, n = slug, 2
    while unique in taken:
        unique, n = f"{slug}-{n}", n + 1
    return unique
