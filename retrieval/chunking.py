"""Split policy documents into chunks that follow their structure (headings, 一、/（一）/1. items)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.hits import Chunk, Source
from retrieval.schema import Document

MAX_CHARS = 300  # body characters per chunk: well under e5's 512 tokens with the header
SECTION_SEP = " > "

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_RULE_LINE = re.compile(r"^\s*(-{3,}|\*{3,}|_{3,})\s*$")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_SENTENCE_END = re.compile(r"(?<=[。；！？!?;])")
_CLAUSE_END = re.compile(r"(?<=[，、,：:])")
# Item markers of Chinese official documents, outermost first.
_MARKERS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^[一二三四五六七八九十]{1,3}、"),
    re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]"),
    re.compile(r"^\d{1,2}[.．、](?!\d)"),
    re.compile(r"^[（(]\d{1,2}[）)]"),
)
_ITEM_TITLE_MAX = 40


@dataclass(frozen=True)
class Block:
    """A paragraph of body text with the section path it sits under."""

    section: tuple[str, ...]
    text: str


def marker_level(text: str) -> int | None:
    """Depth of the item marker text starts with (0 = 一、 … 3 = （1）), or None."""
    for level, pattern in enumerate(_MARKERS):
        if pattern.match(text):
            return level
    return None


def item_title(text: str) -> str:
    """The heading of a numbered item: its text up to the first full stop, if short."""
    head = re.split(r"[。；！？]", text, maxsplit=1)[0]
    if len(head) <= _ITEM_TITLE_MAX:
        return head
    clause = re.split(r"[，：,:]", head, maxsplit=1)[0]
    return clause if len(clause) <= _ITEM_TITLE_MAX else clause[:_ITEM_TITLE_MAX] + "…"


def _clean(line: str) -> str:
    return _EMPHASIS.sub(r"\2", line).strip()


def _same(a: str, b: str) -> bool:
    return re.sub(r"\s", "", a) == re.sub(r"\s", "", b)


def parse_blocks(body: str, title: str = "") -> list[Block]:
    """Walk the Markdown body and return paragraphs with their heading/item section path."""
    headings: list[tuple[int, str]] = []
    items: list[tuple[int, str, bool]] = []  # (level, title, paragraph is only the title)
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        nonlocal items
        if not paragraph:
            return
        text = "".join(paragraph)
        paragraph.clear()
        level = marker_level(text)
        if level is not None:
            head = item_title(text)
            only = len(text.rstrip("。：:；").strip()) <= len(head)
            items = [i for i in items if i[0] < level] + [(level, head, only)]
        elif items and not items[-1][2]:
            items = []  # an unmarked paragraph after a self-contained item leaves the item
        path = tuple(h for _, h in headings) + tuple(t for _, t, _ in items)
        blocks.append(Block(path, text))

    for raw in _COMMENT.sub("", body).splitlines():
        heading = _HEADING.match(raw)
        if heading or not raw.strip() or _RULE_LINE.match(raw):
            flush()
        if _RULE_LINE.match(raw):
            headings, items = [], []  # a thematic break ends the sections (end matter follows)
        if heading:
            depth, text = len(heading.group(1)), _clean(heading.group(2))
            headings = [h for h in headings if h[0] < depth]
            items = []
            if not (title and _same(text, title)):
                headings.append((depth, text))
        elif raw.strip() and not _RULE_LINE.match(raw):
            paragraph.append(_clean(raw))
    flush()
    return blocks


def split_text(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """Split text into windows of whole sentences under max_chars, overlapping by one sentence."""
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    for sentence in _sentences(text):
        pieces.extend(_split_long(sentence, max_chars))
    windows: list[str] = []
    current: list[str] = []
    for piece in pieces:
        if current and len("".join(current)) + len(piece) > max_chars:
            windows.append("".join(current).strip())
            last = current[-1]
            keep = len(last) + len(piece) <= max_chars and len(last) < max_chars // 2
            current = [last] if keep else []
        current.append(piece)
    if current:
        windows.append("".join(current).strip())
    return windows


def _sentences(text: str) -> list[str]:
    """Sentences of text; the last sentence of each line keeps its line break."""
    out: list[str] = []
    for line in text.split("\n"):
        sentences = [s for s in _SENTENCE_END.split(line) if s.strip()]
        if sentences:
            sentences[-1] += "\n"
            out.extend(sentences)
    return out


def _split_long(sentence: str, max_chars: int) -> list[str]:
    if len(sentence) <= max_chars:
        return [sentence]
    out: list[str] = []
    buf = ""
    for clause in (c for c in _CLAUSE_END.split(sentence) if c):
        while len(clause) > max_chars:
            out.append(clause[:max_chars])
            clause = clause[max_chars:]
        if buf and len(buf) + len(clause) > max_chars:
            out.append(buf)
            buf = ""
        buf += clause
    if buf:
        out.append(buf)
    return out


def document_source(document: Document) -> Source:
    """Citation of a source document."""
    meta = document.meta
    return Source(
        title=meta.title,
        number=meta.number,
        date=meta.date.isoformat() if meta.date else "",
        url=meta.source_url,
        status=meta.status,
    )


def document_header(document: Document, section: str) -> str:
    """Context line(s) prefixed to every chunk: 《title》number, then the section path."""
    head = f"《{document.meta.title}》{document.meta.number}"
    return f"{head}\n{section}" if section else head


def chunk_document(document: Document, max_chars: int = MAX_CHARS) -> list[Chunk]:
    """Chunks of one document: paragraphs under one section path packed up to max_chars."""
    groups: list[tuple[tuple[str, ...], list[str]]] = []
    for block in parse_blocks(document.body, document.meta.title):
        if groups and groups[-1][0] == block.section:
            groups[-1][1].append(block.text)
        else:
            groups.append((block.section, [block.text]))
    source = document_source(document)
    chunks: list[Chunk] = []
    for section_parts, paragraphs in groups:
        section = SECTION_SEP.join(section_parts)
        for body in _pack(paragraphs, max_chars):
            chunks.append(
                Chunk(
                    chunk_id=f"document:{document.meta.id}#{len(chunks):03d}",
                    doc_id=document.meta.id,
                    kind="document",
                    title=document.meta.title,
                    section=section,
                    body=body,
                    text=f"{document_header(document, section)}\n{body}",
                    source=source,
                )
            )
    return chunks


def _pack(paragraphs: list[str], max_chars: int) -> list[str]:
    bodies: list[str] = []
    current = ""
    for paragraph in paragraphs:
        if len(paragraph) > max_chars:
            if current:
                bodies.append(current)
                current = ""
            bodies.extend(split_text(paragraph, max_chars))
        elif current and len(current) + 1 + len(paragraph) > max_chars:
            bodies.append(current)
            current = paragraph
        else:
            current = f"{current}\n{paragraph}" if current else paragraph
    if current:
        bodies.append(current)
    return bodies
