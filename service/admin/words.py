"""Chinese words for the admin: a private jieba tokenizer shared by slugs and word-level diffs."""

from __future__ import annotations

import threading
from functools import cache

import jieba

_lock = threading.Lock()


@cache
def _tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def words(text: str) -> list[str]:
    """text cut into words; every character kept (spaces and line breaks are words of their own)."""
    with _lock:  # jieba's lazy state is not safe to initialise from two threads at once
        tokenizer = _tokenizer()
    return list(tokenizer.cut(text, HMM=False))
