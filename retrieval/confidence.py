"""Question features for the answer model (script, intellectual-property words) and English terms."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

_HAN = re.compile(r"[\u4e00-\u9fff]")

# Words that only an intellectual-property question uses (the bot's scope, not the district's
# data). Matched as substrings after lower-casing; Latin terms as whole words.
DOMAIN_WORDS = (
    "知识产权",
    "知产",
    "专利",
    "商标",
    "版权",
    "著作权",
    "软著",
    "商业秘密",
    "技术秘密",
    "地理标志",
    "集成电路布图",
    "植物新品种",
    "发明",
    "实用新型",
    "外观设计",
    "侵权",
    "维权",
    "假冒",
    "盗版",
    "仿冒",
    "山寨",
    "抄袭",
    "抢注",
    "名牌",
    "品牌",
    "质押",
    "贴息",
    "技术转移",
    "技术转让",
    "成果转化",
    "技术交易",
    "技术合同",
    "许可",
    "资助",
    "强市",
    "试点城区",
    "杨府发",
    "全科医生",
    "指导站",
    "工作站",
    "服务中心",
    "保护中心",
    "马德里",
    "杨小知",
    "技知融",
    "12330",
)
_LATIN = re.compile(r"(?<![a-z])(?:ip|ipr|pct|logo|patents?|trademarks?|copyrights?)(?![a-z])")


def has_chinese(text: str) -> bool:
    """True if text contains a CJK unified ideograph."""
    return bool(_HAN.search(text))


NOT_DOMAIN = ("许可证",)  # a business licence is not IP licensing


def mentions_domain(text: str) -> bool:
    """True if the question uses a word of intellectual property (Chinese or English)."""
    lowered = text.lower()
    for phrase in NOT_DOMAIN:
        lowered = lowered.replace(phrase, " ")
    return any(word in lowered for word in DOMAIN_WORDS) or bool(_LATIN.search(lowered))


ENGLISH_TERMS_FILE = Path(__file__).parent / "data" / "english_terms.yml"


@lru_cache(maxsize=1)
def english_terms() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    """English words and phrases with their Chinese terms (retrieval/data/english_terms.yml)."""
    raw = yaml.safe_load(ENGLISH_TERMS_FILE.read_text(encoding="utf-8"))
    return tuple(
        (re.compile(rf"(?<![a-z]){re.escape(str(en).lower())}(?![a-z])"), tuple(str(t) for t in terms))
        for en, terms in raw.items()
    )


def expand_english(text: str) -> str:
    """A question without Chinese characters, followed by the Chinese terms of its English words."""
    if has_chinese(text):
        return text
    lowered = text.lower()
    added = [t for pattern, terms in english_terms() if pattern.search(lowered) for t in terms]
    return f"{text} {' '.join(dict.fromkeys(added))}" if added else text
