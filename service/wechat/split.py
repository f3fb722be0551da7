"""Keeps replies within WeChat's byte limit: split on paragraph, line, sentence, clause boundaries."""

from __future__ import annotations

import re

LIMIT_BYTES = 2048
# Each level splits finer; the split point stays with the piece before it, so pieces join back exactly.
_LEVELS = [
    re.compile(r"(?<=\n\n)"),
    re.compile(r"(?<=\n)"),
    re.compile(r"(?<=[。！？；])"),  # Chinese only: "?" and ";" occur in URLs
    re.compile(r"(?<=[，、：）])"),
]
# Runs that must never be cut: phone numbers, URLs, document numbers, amounts.
_UNBREAKABLE = re.compile(r"[0-9A-Za-z\-:/._?=&%#+~@〔〕]+")


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def split_message(text: str, limit: int = LIMIT_BYTES) -> list[str]:
    """Parts of at most `limit` UTF-8 bytes that concatenate back to `text` up to trimmed whitespace."""
    parts = [part.strip() for part in _pack(_pieces(text.strip(), 0, limit), limit)]
    return [part for part in parts if part]


def shorten(text: str, notice: str, limit: int = LIMIT_BYTES) -> str:
    """The first part that still fits with `notice` appended; used when extra parts cannot be sent."""
    if size(text) <= limit:
        return text
    first = split_message(text, limit - size(notice) - 2)[0]
    return f"{first}\n\n{notice}"


def _pieces(text: str, level: int, limit: int) -> list[str]:
    if size(text) <= limit:
        return [text]
    if level == len(_LEVELS):
        return _hard_split(text, limit)
    pieces = [piece for piece in _LEVELS[level].split(text) if piece]
    if len(pieces) == 1:
        return _pieces(text, level + 1, limit)
    return [small for piece in pieces for small in _pieces(piece, level + 1, limit)]


def _pack(pieces: list[str], limit: int) -> list[str]:
    parts: list[str] = []
    current = ""
    for piece in pieces:
        if current and size(current + piece.rstrip()) > limit:
            parts.append(current)
            current = ""
        current += piece
    if current:
        parts.append(current)
    return parts


def _hard_split(text: str, limit: int) -> list[str]:
    """Last resort for one over-long clause: cut between characters, never inside an unbreakable run."""
    protected = [(m.start(), m.end()) for m in _UNBREAKABLE.finditer(text) if size(m.group()) <= limit]
    pieces: list[str] = []
    start = 0
    while start < len(text):
        end = start
        while end < len(text) and size(text[start : end + 1]) <= limit:
            end += 1
        if end < len(text):
            for run_start, run_end in protected:
                if run_start < end < run_end and run_start > start:
                    end = run_start
                    break
        pieces.append(text[start:end])
        start = end
    return pieces
