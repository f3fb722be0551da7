"""A check-up report in one WeChat message: the print link first, then a few short lines per section."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from service.wechat.split import size

TITLE = "知识产权体检报告（微信简版）"
FULL_REPORT = "完整报告（每条的条件、金额和出处，可打印保存）：{url}"
NO_LINK = "完整报告请在网页版对话中查看。"
MORE = "另有{count}条，见完整报告"
COUNT_ONLY = "共{count}条，见完整报告"
# Tried in order until the message fits: lines per section, and the longest brief kept (None: whole).
STEPS: tuple[tuple[int, int | None], ...] = ((3, None), (2, None), (2, 40), (1, 40), (1, 24), (0, None))


def render_report(report: Mapping[str, Any], url: str, limit: int) -> str:
    """The report within `limit` UTF-8 bytes: title, full-report link, each section's heading and its
    first lines (brief reason with the cited entry's title), "另有N条" for the rest.

    The last step keeps only the headings with their counts, so any report fits a limit of a few
    hundred bytes; below that the text is cut (never expected: WeChat allows 2,048)."""
    sections = [s for s in report.get("sections") or [] if isinstance(s, Mapping)]
    head = [TITLE, FULL_REPORT.format(url=url) if url else NO_LINK]
    for cap, longest in STEPS:
        text = "\n".join([*head, *_sections(sections, cap, longest)])
        if size(text) <= limit:
            return text
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def _sections(sections: Sequence[Mapping[str, Any]], cap: int, longest: int | None) -> Iterator[str]:
    for section in sections:
        lines = [line for line in section.get("lines") or [] if isinstance(line, Mapping)]
        heading = f"【{section.get('title', '')}】"
        if cap == 0:
            yield heading + COUNT_ONLY.format(count=len(lines))
            continue
        yield heading
        for number, line in enumerate(lines[:cap], start=1):
            yield f"{number}. {_brief(line, longest)}"
        if len(lines) > cap:
            yield MORE.format(count=len(lines) - cap)


def _brief(line: Mapping[str, Any], longest: int | None) -> str:
    """The line's brief (its text when the report has none), cut to `longest` characters, then the
    cited entry's title after a dash."""
    brief = str(line.get("brief") or line.get("text") or "")
    if longest is not None and len(brief) > longest:
        brief = brief[: longest - 1] + "…"
    title = str(line.get("title") or "")
    return f"{brief}——{title}" if title else brief
