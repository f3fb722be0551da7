"""Where the calibrated tier is adjusted for what the answer model cannot see.

The model scores how well the hits match the words of the question, and it finds short questions
hard to trust. One kind of short question is answered well, so its closest match is certain:
- every word of it stands in one passage, among them a term of the knowledge few passages use
  ("蓝天行动是什么", "技知融有啥用"): a word of the user dictionary or none of everyday Chinese, which
  no everyday question shares. Bare numbers ("12345", "2026") and everyday words that the
  knowledge happens to use rarely ("要准备什么材料") do not count.

Four kinds of question are matched well and answered badly, so their answers are marked as
closest matches (never certain):
- written in another language: the sources are Chinese and a cross-language match is a weaker one
  (a code such as "ISO56005" is no language);
- asking for realised figures ("2025年 商标有效注册量 实际"): the knowledge holds targets and
  past standards, which match the words but do not answer;
- naming one level of government ("市里", "国家知识产权局") and answered by a passage of another:
  the knowledge has nothing of that level close to the question;
- answered by a record of what was not found (category 未公开事项, or an FAQ answer opening with
  未找到公开来源): it says there is no answer.
"""

from __future__ import annotations

import re

from retrieval.hits import Hit, Signals
from retrieval.levels import asked_level, other_level
from retrieval.schema import UNPUBLISHED_CATEGORY

ANSWER_LABEL = "答："  # the answer line of an FAQ passage (retrieval/entries.py)
NOT_FOUND_OPENING = "未找到公开来源"

Tier = str  # "certain" / "closest" / "none"

# 实际 as in "actual figure", not 按实际缴纳 / 实际控制人 / 实际使用.
_ACTUAL = re.compile(
    r"实际(?!缴|支付|发生|使用|控制|经营|投入|情况)|实际完成|完成了多少|达到了多少|达成了吗"
    r"|\bactual(ly)?\b|\bachieved\b|\brealised\b|\brealized\b"
)


def asks_for_actual(normalized: str) -> bool:
    """True when the question asks what was achieved rather than what is planned or paid."""
    return bool(_ACTUAL.search(normalized))


_LATIN_WORD = re.compile(r"(?<![a-z0-9])[a-z]{2,}(?![a-z0-9])")


def other_language(normalized: str, signals: Signals) -> bool:
    """No Chinese character, and a word of Latin letters (not only codes and numbers)."""
    return not signals.chinese and bool(_LATIN_WORD.search(normalized.lower()))


def lifted_tier(tier: Tier, signals: Signals) -> Tier:
    """The model's tier, a closest match raised to certain for a complete match of the
    knowledge's own terms (described above)."""
    return "certain" if tier == "closest" and signals.complete_match else tier


def capped_tier(tier: Tier, normalized: str, hits: list[Hit], signals: Signals) -> Tier:
    """The tier, lowered to "closest" for the questions described above."""
    if tier != "certain":
        return tier
    if other_language(normalized, signals) or asks_for_actual(normalized):
        return "closest"
    if hits and (records_not_found(hits[0]) or other_level(hits[0].level, asked_level(normalized))):
        return "closest"
    return tier


def records_not_found(hit: Hit) -> bool:
    """A rule of category 未公开事项, or an FAQ whose answer opens by saying no source was found."""
    if hit.kind == "rule":
        return hit.section == UNPUBLISHED_CATEGORY
    return hit.kind == "faq" and f"{ANSWER_LABEL}{NOT_FOUND_OPENING}" in hit.body
