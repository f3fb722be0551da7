"""Pure parsers of what users type into the forms: names, company names, phone numbers, places."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-－—–()（）]")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{9,11})(?!\d)")
_LOCAL = re.compile(r"(?<!\d)([2-9]\d{7})(?!\d)")
_DIGIT = re.compile(r"\d")
QUESTION_MARKS: tuple[str, ...] = ("?", "？", "吗", "什么", "怎么", "如何", "多少", "哪", "几", "是否", "啥")
QUESTION_MARKS += ("咋", "怎样", "能否", "可否", "能不能", "可不可以", "有没有", "是不是")
QUESTION_MARKS += ("想问", "想了解", "想知道", "请问")  # "想…" that asks rather than wants
_EDGE_PUNCT = "，,。.！!？?：:；;、 \"'“”‘’"

NAME_PREFIXES = (
    "我的名字是",
    "名字是",
    "名字改成",
    "名字改为",
    "称呼改成",
    "姓名是",
    "我叫",
    "叫我",
    "姓名",
    "我是",
    "称呼我",
    "称呼",
    "名字",
)
SURNAME_PREFIXES = ("我姓", "免贵姓", "姓")
# Words that end the handover form wherever the user is in it.
STOP_WORDS = ("取消", "算了", "不用了", "不要了", "不需要了", "不同意", "不转了", "退出")
YES_WORDS = (
    "同意",
    "可以",
    "好的",
    "好",
    "行",
    "没问题",
    "确认",
    "对",
    "是的",
    "是",
    "嗯",
    "ok",
    "yes",
    "要",
)
NO_WORDS = ("不同意", "不可以", "不行", "不要", "不用", "否", "no", "拒绝")
CORRECTION_CUES = ("不对", "错了", "改成", "改为", "改一下", "更正", "应该是", "写错")
ORG_WORDS = (
    "公司",
    "有限",
    "集团",
    "研究院",
    "研究所",
    "大学",
    "学院",
    "中心",
    "事务所",
    "工作室",
    "厂",
    "店",
    "商行",
)
NOT_NAMES = ("你好", "您好", "谢谢", "再见", "不知道", "不告诉", "没有", "为什么", "干嘛", "人工", "机器人")
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


def is_question(text: str) -> bool:
    """True when the words ask something rather than state something."""
    return any(mark in text for mark in QUESTION_MARKS)


def _trimmed(text: str) -> str:
    """NFKC, without surrounding spaces and punctuation."""
    return unicodedata.normalize("NFKC", text).strip().strip(_EDGE_PUNCT)


def _strip(text: str, prefixes: tuple[str, ...]) -> str:
    value = _trimmed(text)
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
    """How to address the user (“张先生”, “李梅”, “陈先生/女士” for “姓陈”), or None."""
    value = _trimmed(text)
    for prefix in SURNAME_PREFIXES:
        if value.startswith(prefix):
            surname = value[len(prefix) :].strip().strip(_EDGE_PUNCT)
            return f"{surname}先生/女士" if 1 <= len(surname) <= 2 and _is_han(surname) else None
    name = _strip(text, NAME_PREFIXES)
    if not 1 <= len(name) <= 20 or _DIGIT.search(name) or is_question(name):
        return None
    if any(word in name for word in NOT_NAMES) or any(word in name for word in ORG_WORDS):
        return None
    return name


def _is_han(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


def split_name_company(text: str) -> tuple[str | None, str | None]:
    """“我是陈明，上海某某科技有限公司的” → (陈明, 上海某某科技有限公司); either may be None."""
    parts = [p for p in re.split(r"[，,；;。\s]+", unicodedata.normalize("NFKC", text)) if p]
    company = next((p for p in parts if any(w in p for w in ORG_WORDS)), None)
    rest = [p for p in parts if p is not company]
    name = parse_name(rest[0]) if rest else None
    if company is not None:
        company = parse_company(company.removesuffix("的").removesuffix("的人"))
    return name, company


def is_stop(text: str) -> bool:
    """An explicit wish to leave the form (“取消”, “算了”, “不用了”, “不同意”)."""
    key = _trimmed(text).lower()
    return any(word in key for word in STOP_WORDS) and len(key) <= 12


def parse_yes_no(text: str) -> bool | None:
    """True for a yes (“同意”, “好的”), False for a no (“不同意”), None for anything else."""
    key = _trimmed(text).lower()
    if not key or len(key) > 12 or is_question(key):
        return None
    if any(word in key for word in NO_WORDS):
        return False
    if any(key.startswith(word) for word in YES_WORDS):
        return True
    return None


def is_correction(text: str) -> bool:
    """The user corrects something given earlier (“不对，电话是…”, “名字改成王强”)."""
    return any(cue in text for cue in CORRECTION_CUES)


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
