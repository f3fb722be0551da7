"""Recognises a message about an existing handover: a reference number, or asking for one's handovers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from actions.reference_number import find_reference

# "查询我的转人工", "转人工进度": asked without a number (punctuation and spaces removed first).
WITHOUT_NUMBER = re.compile(
    r"(请|帮我)?(查询|查看|查一下|查)(一下)?(我的)?转人工(的)?(进度|状态|记录|编号|请求)?"
    r"|(我的)?转人工(的)?(进度|状态|记录|编号)(是什么|呢|怎么查|在哪)?"
)


@dataclass(frozen=True)
class HandoverCommand:
    kind: Literal["query", "cancel", "list"]
    reference: str = ""


def read_command(message: str) -> HandoverCommand | None:
    """A message with a reference number asks about it (cancels it when it says 取消); a plain
    "查询我的转人工" lists. Anything else is a question for the bot (None).

    "取消转人工" without a number is left to the bot: inside the handover form it stops the form.
    """
    folded = unicodedata.normalize("NFKC", message)  # full-width letters, digits and hyphens
    reference = find_reference(folded)
    if reference is not None:
        return HandoverCommand("cancel" if "取消" in folded else "query", reference)
    if WITHOUT_NUMBER.fullmatch(re.sub(r"[\W_]+", "", folded)):
        return HandoverCommand("list")
    return None
