"""Which pieces of XLM-R's 250,002-piece vocabulary the served e5 model keeps.

The vocabulary covers about 100 languages; the tokenizer and the word-embedding rows of pieces in
scripts nobody writes to this bot cost ~250 MiB of the action server's memory. A Unigram tokenizer
can only use a piece whose every character occurs in the text, so dropping pieces made of other
scripts leaves the tokens — and the vectors — of Chinese, English, digits, punctuation and emoji
exactly as they were. Single-character pieces of every script stay, so text in another script is
split into characters (as before for rare characters) instead of losing them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# Code point ranges, inclusive: the scripts and symbols enterprises in Yangpu write in.
SERVED_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x007F),  # ASCII: English, digits, codes such as ISO56005
    (0x00A0, 0x00BF),  # Latin-1 symbols: © ® ° ± · and the no-break space
    (0x00D7, 0x00D7),  # ×
    (0x00F7, 0x00F7),  # ÷
    (0x2000, 0x2BFF),  # punctuation, currency, letterlike, arrows, maths, ①, ▁ (SentencePiece's space), ★
    (0x2E80, 0x33FF),  # CJK radicals, CJK symbols and punctuation, kana, bopomofo, enclosed CJK
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs (simplified and traditional)
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE10, 0xFE6F),  # vertical, compatibility and small forms of CJK punctuation
    (0xFF00, 0xFFEF),  # full-width and half-width forms
    (0x1F000, 0x1FAFF),  # emoji and pictographs
    (0x20000, 0x2FA1F),  # CJK extensions B–F and compatibility supplement
)
METASPACE = "\u2581"


def is_served(char: str) -> bool:
    """True if `char` lies in one of the served ranges."""
    code = ord(char)
    return any(low <= code <= high for low, high in SERVED_RANGES)


def kept_piece_ids(pieces: Sequence[str], special_ids: Iterable[int]) -> list[int]:
    """Ids of the pieces to keep, in their original order: special tokens, every single character
    (with or without the word-start marker), and pieces written only in served characters."""
    special = set(special_ids)
    return [
        i for i, piece in enumerate(pieces)
        if i in special or len(piece.removeprefix(METASPACE)) <= 1 or all(map(is_served, piece))
    ]
