"""`/sources/<doc_id>`: a cited document, rule, FAQ or station as the live index holds it, each passage
anchored (`#p007`) so a citation opens at its clause; CSS `:target` highlights it (static/source.css)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from retrieval.store import current_target
from service.present.citation import HTTP, chinese_date
from service.present.wording import wording

DOC_ID = re.compile(r"^[A-Za-z0-9_.-]{1,120}$")
CHUNKS_FILE = "chunks.jsonl"
KIND_LABELS = {"document": "政策文件", "rule": "政策条目", "faq": "常见问答", "station": "服务机构"}
GONE = "没有找到这份出处，知识库可能已更新。请回到对话中重新提问，或致电12345市民服务热线。"
NOTE = "本页内容摘自杨浦知识产权全科医生的知识库（当前发布版本），请以发文机关公布的原文为准。"


def page_path(doc_id: str, chunk_id: str) -> str:
    """The gateway path of a cited passage: /sources/<doc_id>#p<passage number>."""
    return f"/sources/{doc_id}#{anchor(chunk_id)}"


def anchor(chunk_id: str) -> str:
    return "p" + chunk_id.rpartition("#")[2]


@dataclass(frozen=True)
class SourceDoc:
    doc_id: str
    kind: str
    title: str
    source: dict[str, Any]
    passages: list[dict[str, Any]]  # chunks in index order


class SourceLibrary:
    """The live build's passages by document, reread when a publish switches the build."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._target: Path | None = None
        self._docs: dict[str, SourceDoc] = {}

    def get(self, doc_id: str) -> SourceDoc | None:
        target = current_target(self.index_dir)
        if target != self._target:
            self._docs = _read(target / CHUNKS_FILE) if target is not None else {}
            self._target = target
        return self._docs.get(doc_id)


def _read(path: Path) -> dict[str, SourceDoc]:
    docs: dict[str, SourceDoc] = {}
    if not path.is_file():
        return docs
    for line in path.read_text(encoding="utf-8").splitlines():
        chunk = json.loads(line)
        doc = docs.setdefault(
            chunk["doc_id"], SourceDoc(chunk["doc_id"], chunk["kind"], chunk["title"], chunk["source"], [])
        )
        doc.passages.append(chunk)
    return docs


def render_source(doc: SourceDoc) -> str:
    """The page: title, number, date, status and kind; each passage a section with its anchor."""
    source, labels = doc.source, wording()["citation"]["status"]
    status = str(source.get("status") or "unknown")
    facts = [
        str(source.get("number") or ""),
        chinese_date(str(source.get("date") or "")),
        str(labels.get(status, labels["unknown"])),
        KIND_LABELS.get(doc.kind, ""),
    ]
    head = f"<h1>{escape(source.get('title') or doc.title)}</h1>"
    head += f"<p class=facts>{escape(' · '.join(f for f in facts if f))}</p>"
    if source.get("demo"):
        head += "<p class=demo>演示数据：本条信息尚未核实，请以工作人员确认为准。</p>"
    original = str(source.get("url") or "")
    if HTTP.match(original):
        head += f"<p><a href='{escape(original, quote=True)}' rel='noopener noreferrer'>发文机关原文</a></p>"
    sections = "".join(
        f"<section id={anchor(p['chunk_id'])}>"
        + (f"<h2>{escape(p['section'])}</h2>" if p.get("section") else "")
        + f"<p>{escape(p['body'])}</p></section>"
        for p in doc.passages
    )
    return page(source.get("title") or doc.title, f"{head}{sections}<p class=note>{NOTE}</p>")


def render_gone() -> str:
    return page("出处", f"<h1>出处</h1><p>{GONE}</p>")


def page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=zh-CN><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><link rel=stylesheet href=/static/source.css></head>"
        f"<body><main>{body}</main></body></html>"
    )
