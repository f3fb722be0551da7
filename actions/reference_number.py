"""Handover reference numbers (YP-20261201-K7Q3MX): random, so nobody can guess or count through them.

The action makes the number and says it in the confirmation; the gateway stores it under a unique
index and reads it back when a user asks about a handover. The format is declared here, once.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O or 1/I/L: numbers are read out on the phone
RANDOM_CHARS = 6  # 31**6 ≈ 8.9e8 numbers a day
PREFIX = "YP"
CHINA = ZoneInfo("Asia/Shanghai")

# What a user may type for one: any case, full-width forms folded by the caller, hyphens optional.
# A wrong letter or length still reads as a number (and is then not found) rather than as a question.
TYPED = re.compile(
    rf"(?<![A-Za-z0-9]){PREFIX}\s*-?\s*(\d{{8}})\s*-?\s*([A-Za-z0-9]{{4,8}})(?![A-Za-z0-9])", re.I
)


def new_reference(now: datetime | None = None) -> str:
    """A fresh number for today in Shanghai: the date, then random characters from `secrets`."""
    day = (now or datetime.now(CHINA)).astimezone(CHINA)
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return f"{PREFIX}-{day:%Y%m%d}-{suffix}"


def find_reference(text: str) -> str | None:
    """The first reference number in a message, in its canonical form; None when there is none."""
    found = TYPED.search(text)
    return f"{PREFIX}-{found.group(1)}-{found.group(2).upper()}" if found else None
