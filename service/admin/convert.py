"""Uploaded documents (Markdown, TXT, DOCX, PDF) to plain Markdown text, checked before import."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import yaml

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n(.*)\Z", re.DOTALL)
_BLANK_RUNS = re.compile(r"\n{3,}")
SUFFIXES = (".md", ".markdown", ".txt", ".docx", ".pdf")


class ConversionError(Exception):
    """The upload cannot be turned into text; the message says why, in Chinese."""


@dataclass(frozen=True)
class Converted:
    """Body text plus any metadata the file itself carried (Markdown front matter)."""

    body: str
    meta: dict[str, Any] = field(default_factory=dict)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ConversionError("无法识别文本编码，请另存为 UTF-8 后上传")


def _markdown(data: bytes) -> Converted:
    text = _decode(data).replace("\r\n", "\n")
    match = FRONT_MATTER.match(text)
    if not match:
        return Converted(text)
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise ConversionError(f"文件开头的 YAML 信息格式错误：{exc}") from exc
    if not isinstance(meta, dict):
        raise ConversionError("文件开头的 YAML 信息应为“字段: 值”形式")
    return Converted(match.group(2), {str(k): v for k, v in meta.items()})


def _docx(data: bytes) -> Converted:
    try:
        import docx
    except ImportError as exc:
        raise ConversionError("服务器未安装 DOCX 转换组件（python-docx），请上传 Markdown 或 TXT") from exc
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ConversionError("文件不是有效的 DOCX 文档")
    try:
        document = docx.Document(io.BytesIO(data))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ConversionError("无法读取 DOCX 文档，请确认文件未损坏") from exc
    lines = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        level = re.search(r"(\d)$", style) if style.lower().startswith(("heading", "标题")) else None
        lines.append(f"{'#' * min(int(level.group(1)), 6)} {text}" if level else text)
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells]
            if any(cells):
                lines.append("｜".join(cells))
    return Converted("\n\n".join(lines))


def _pdf(data: bytes) -> Converted:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:
        raise ConversionError("服务器未安装 PDF 转换组件（pypdf），请上传 Markdown 或 TXT") from exc
    if not data.startswith(b"%PDF"):
        raise ConversionError("文件不是有效的 PDF 文档")
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        raise ConversionError("无法读取 PDF 文档，请确认文件未损坏、未加密") from exc
    return Converted("\n\n".join(page for page in pages if page))


def convert(filename: str, data: bytes) -> Converted:
    """Text of an uploaded file by its suffix; raises ConversionError."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in SUFFIXES:
        raise ConversionError("不支持的文件类型，请上传 .md、.txt、.docx 或 .pdf 文件")
    if suffix in (".md", ".markdown", ".txt"):
        converted = _markdown(data)
    elif suffix == ".docx":
        converted = _docx(data)
    else:
        converted = _pdf(data)
    body = _BLANK_RUNS.sub("\n\n", converted.body.replace("\x00", "")).strip()
    if not body:
        hint = "（可能是扫描件，请上传文字版）" if suffix == ".pdf" else ""
        raise ConversionError(f"文件中没有可提取的文字{hint}")
    return Converted(body, converted.meta)
