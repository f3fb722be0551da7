"""Word-level differences of two texts for reading: deleted and inserted words, long unchanged runs cut."""

from __future__ import annotations

import difflib
from typing import Literal, TypedDict

from service.admin.words import words

Op = Literal["equal", "delete", "insert", "gap"]
CONTEXT = 40  # characters of unchanged text kept next to a change
GLUE = 1  # unchanged runs this short between two changes are folded into them


class Segment(TypedDict):
    op: Op
    text: str


def _opcodes(before: list[str], after: list[str]) -> list[Segment]:
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append({"op": "equal", "text": "".join(before[i1:i2])})
            continue
        if i2 > i1:
            segments.append({"op": "delete", "text": "".join(before[i1:i2])})
        if j2 > j1:
            segments.append({"op": "insert", "text": "".join(after[j1:j2])})
    return segments


def _fold(segments: list[Segment]) -> list[Segment]:
    """Changes separated by a character or two read as one change: 删A x 删B → 删AxB, 增A'xB'."""
    folded: list[Segment] = []
    removed, added = "", ""
    for index, segment in enumerate(segments):
        between = 0 < index < len(segments) - 1 and segment["op"] == "equal"
        if segment["op"] == "equal" and not (
            between and len(segment["text"].strip()) <= GLUE and (removed or added)
        ):
            if removed:
                folded.append({"op": "delete", "text": removed})
            if added:
                folded.append({"op": "insert", "text": added})
            removed, added = "", ""
            folded.append(segment)
        elif segment["op"] == "equal":
            removed, added = removed + segment["text"], added + segment["text"]
        elif segment["op"] == "delete":
            removed += segment["text"]
        else:
            added += segment["text"]
    if removed:
        folded.append({"op": "delete", "text": removed})
    if added:
        folded.append({"op": "insert", "text": added})
    return folded


def _shorten(segments: list[Segment]) -> list[Segment]:
    """Long unchanged text keeps CONTEXT characters beside each change; the middle becomes a gap."""
    shown: list[Segment] = []
    for index, segment in enumerate(segments):
        text = segment["text"]
        if segment["op"] != "equal" or len(text) <= 2 * CONTEXT + 10:
            shown.append(segment)
            continue
        head = text[:CONTEXT] if index > 0 else ""
        tail = text[-CONTEXT:] if index < len(segments) - 1 else ""
        if head:
            shown.append({"op": "equal", "text": head})
        shown.append({"op": "gap", "text": f"…（省略{len(text) - len(head) - len(tail)}字）…"})
        if tail:
            shown.append({"op": "equal", "text": tail})
    return shown


def word_diff(before: str, after: str) -> list[Segment]:
    """Segments that rebuild `after` from `before` (gaps aside); an unchanged text is one segment."""
    if before == after:
        return _shorten([{"op": "equal", "text": before}]) if before else []
    return _shorten(_fold(_opcodes(words(before), words(after))))
