"""Pure parsers of what users type into the forms: names, company names, phone numbers, places."""

from __future__ import annotations

import re
import unicodedata

from actions.turn import is_question

_SEPARATORS = re.compile(r"[\s\-－—–()（）]")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{9,11})(?!\d)")
_LOCAL = re.compile(r"(?<!\d)([2-9]\d{7})(?!\d)")
_DIGIT = re.compile(r"\d")
_EDGE_PUNCT = "，,。.！!？?：:；;、 \"'“”‘’"

NAME_PREFIXES = ("我的名字是", "名字是", "我叫", "叫我", "我姓", "姓名", "我是", "称呼我", "称呼")
COMPANY_PREFIXES = (
    "我们公司是",
    "我们公司叫",
    "公司名称是",
    "公司名称",
    "公司名是",
    "公司是",
    "单位是",
    "我们是",
    "我们单位是",
    "来自",
    "我在",
)
PLACE_PREFIXES = ("我们公司在", "我们公司位于", "公司在", "公司位于", "我们在", "我在", "在", "位于", "就在")
PLACE_SUFFIXES = ("附近", "那边", "那里", "这边", "一带")


def _strip(text: str, prefixes: tuple[str, ...]) -> str:
    value = unicodedata.normalize("NFKC", text).strip().strip(_EDGE_PUNCT)
    for prefix in sorted(prefixes, key=len, reverse=True):
        if value.startswith(prefix):
            value = value[len(prefix) :]
            break
    return value.strip().strip(_EDGE_PUNCT)


def parse_phone(text: str) -> str | None:
    """A mainland mobile (13812345678) or landline (021-12345678) found in text, else None.

    Eight-digit local numbers are taken as typed: the bot serves one city but never guesses.
    """
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    if match := _MOBILE.search(digits):
        return match.group(1)
    if match := _LANDLINE.search(digits):
        number = match.group(1)
        area = 3 if number[1] in "12" else 4
        local = number[area:]
        return f"{number[:area]}-{local}" if 7 <= len(local) <= 8 else None
    if match := _LOCAL.search(digits):
        return match.group(1)
    return None


def mask_phone(phone: str) -> str:
    """138****5678 or 021-****5678, for confirmations that should not echo the whole number."""
    if "-" in phone:
        area, local = phone.split("-", 1)
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:] if len(phone) > 7 else phone


def parse_name(text: str) -> str | None:
    """How to address the user (“张先生”, “李梅”), or None when it cannot be a name."""
    name = _strip(text, NAME_PREFIXES)
    if not 1 <= len(name) <= 20 or _DIGIT.search(name) or is_question(name):
        return None
    return name


def parse_company(text: str) -> str | None:
    """A company or organisation name, or None when it cannot be one."""
    company = _strip(text, COMPANY_PREFIXES)
    if not 2 <= len(company) <= 60 or is_question(company) or not re.search(r"[^\W\d_]", company):
        return None
    return company


def parse_place(text: str) -> str | None:
    """The place in an answer like “我们公司在五角场附近”, or None when nothing is left."""
    place = _strip(text, PLACE_PREFIXES)
    for suffix in PLACE_SUFFIXES:
        place = place.removesuffix(suffix)
    return place or None
