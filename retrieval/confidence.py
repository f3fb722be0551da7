"""The answerable decision: pure thresholds over dense cosine, lexical coverage and domain words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.hits import Signals

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


@dataclass(frozen=True)
class AnswerRule:
    """Thresholds of the decision; calibrated values live in RetrievalSettings (BENCHMARKS.md)."""

    strong_cosine: float  # this close in meaning: answerable whatever the words
    domain_cosine: float  # a question using IP words needs only this much
    min_coverage: float  # a Chinese question without IP words needs this lexical coverage …
    floor_cosine: float  # … and this cosine
    foreign_cosine: float  # a question without Chinese characters (no lexical evidence possible)


def has_chinese(text: str) -> bool:
    """True if text contains a CJK unified ideograph."""
    return bool(_HAN.search(text))


def mentions_domain(text: str) -> bool:
    """True if the question uses a word of intellectual property (Chinese or English)."""
    lowered = text.lower()
    return any(word in lowered for word in DOMAIN_WORDS) or bool(_LATIN.search(lowered))


def is_certain(signals: Signals, rule: AnswerRule) -> bool:
    """The best passage is very close in meaning, or shares most of the question's (IDF-weighted)
    words at a fair cosine: answered plainly."""
    if signals.top_cosine >= rule.strong_cosine:
        return True
    return signals.coverage >= rule.min_coverage and signals.top_cosine >= rule.floor_cosine


def is_answerable(signals: Signals, rule: AnswerRule) -> bool:
    """Certain questions, and beyond them an IP question at a lower cosine and a question in
    another language (no lexical evidence possible against a Chinese corpus) at a cosine of its
    own; answers that are not certain are marked as the closest match."""
    if is_certain(signals, rule):
        return True
    if not signals.chinese:
        return signals.top_cosine >= rule.foreign_cosine
    return signals.domain and signals.top_cosine >= rule.domain_cosine
