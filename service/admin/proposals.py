"""What an uploaded official document says about itself: title, 文号, date and issuer, read from its text."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

# 沪知局〔2024〕12号, 杨府办发[2023]5号, 国知发保字（2022）3号
NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,16}\s*[〔\[［(（]\s*(?:19|20)\d{2}\s*[〕\]］)）]\s*第?\s*\d{1,5}\s*号"
)
ARABIC_DATE = re.compile(r"((?:19|20)\d{2})\s*[年\-./]\s*(\d{1,2})\s*[月\-./]\s*(\d{1,2})\s*日?")
_CN_DIGIT, _CN_SMALL = "[〇○零一二三四五六七八九]", "[一二三四五六七八九十]{1,3}"
CHINESE_DATE = re.compile(rf"({_CN_DIGIT}{{4}})年({_CN_SMALL})月({_CN_SMALL})日")
DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"○": "0", "零": "0"}
ISSUER_ENDINGS = ("局", "委员会", "委", "政府", "办公室", "办公厅", "中心", "部", "厅", "院", "会", "处")
SENTENCE_END = ("。", "；", "：", "！", "？", ".", ";", ":")
HEADER_LINES = ("文件", "签发人", "机密", "特急", "加急", "公开方式")


@dataclass(frozen=True)
class Proposal:
    """Metadata proposed from a document's own words; "" where the text does not say."""

    title: str = ""
    number: str = ""
    date: str = ""  # YYYY-MM-DD
    issuer: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _small_number(text: str) -> int:
    """一 … 三十一 as an integer."""
    if "十" not in text:
        return int(DIGITS[text])
    tens, _, units = text.partition("十")
    return (int(DIGITS[tens]) if tens else 1) * 10 + (int(DIGITS[units]) if units else 0)


def _date_of(line: str) -> str:
    """The YYYY-MM-DD of a line that is a date and little else (a signature's, a header's), else ""."""
    found = ARABIC_DATE.search(line) or CHINESE_DATE.search(line)
    if found is None or len(line) - len(found.group(0)) > 2:
        return ""
    if found.re is ARABIC_DATE:
        year, month, day = (int(part) for part in found.groups())
    else:
        year = int("".join(DIGITS[c] for c in found.group(1)))
        month, day = _small_number(found.group(2)), _small_number(found.group(3))
    return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else ""


def _clean(line: str) -> str:
    return line.strip().lstrip("#").strip().strip("*").strip()


def _is_title(line: str) -> bool:
    return (
        4 <= len(line) <= 80
        and not line.endswith(SENTENCE_END)
        and not NUMBER.fullmatch(line)
        and not _date_of(line)
        and not line.endswith(HEADER_LINES)
    )


def propose(text: str) -> Proposal:
    """Title: the first heading-like line; 文号: the first one near the top; date and issuer: the
    signature at the end (the last line that is a date, the line before it), else a date line near the
    top. A date inside a sentence (a deadline) is never the document's."""
    lines = [line for line in (_clean(raw) for raw in text.splitlines()) if line]
    title = next((line for line in lines[:8] if _is_title(line)), "")
    number = NUMBER.search("\n".join(lines[:15]))
    date, issuer = "", ""
    for index in range(len(lines) - 1, -1, -1):
        if date := _date_of(lines[index]):
            above = lines[index - 1] if index else ""
            issuer = above if len(above) <= 30 and above.endswith(ISSUER_ENDINGS) else ""
            break
    if not date:
        date = next((found for line in lines[:8] if (found := _date_of(line))), "")
    return Proposal(title, re.sub(r"\s+", "", number.group(0)) if number else "", date, issuer)
