"""Masks contact details in text kept for staff or written to logs (pure)."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"(?<![\d])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<![\d-])0\d{2,3}[- ]?\d{7,8}(?:-\d{1,5})?(?!\d)")
_KEYED = re.compile(
    r"""(?P<key>["']?(?<![\w])(?:name|contact|phone|mobile|tel|姓名|联系人|联系电话|电话|手机|手机号)["']?"""
    r"""\s*[=:：]\s*)(?P<quote>["']?)(?P<value>[^"',;，；、\s}\])]+)"""
)
MASK = "***"


def redact(text: str) -> str:
    """Masks phone numbers and the values of name/phone fields (names are otherwise not recognisable)."""
    text = _KEYED.sub(lambda found: f"{found['key']}{found['quote']}{MASK}", text)
    text = _MOBILE.sub(MASK, text)
    return _LANDLINE.sub(MASK, text)
