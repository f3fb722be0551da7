"""The print-friendly page of a check-up report: its path (a random token, no personal data) and HTML."""

from __future__ import annotations

import re
from html import escape
from typing import Any

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
CHECKUP_LINK = "打印或保存这份报告：{path}（链接到期自动失效）"
TITLE = "知识产权体检报告"
PROFILE_LABELS = {
    "industry": "行业",
    "location": "所在地",
    "size": "单位类型",
    "ip": "已有知识产权",
    "plans": "近期计划",
    "dispute": "正在发生的纠纷",
}
NOTE = (
    "以上每一条都摘自杨浦知识产权全科医生的知识库并注明出处；知识库没有写明的，报告写“未见公开来源”。"
    "标注“现行状态未核实”或“历史标准”的，请以主管部门最新通知为准。标注“演示数据”的站点信息待核实。"
)
GONE = "这份体检报告不存在或已过保存期限。可以在对话中说“知识产权体检”重新生成。"


def checkup_path(token: str) -> str:
    return f"/checkup/{token}"


def _text(value: Any) -> str:
    return escape(str(value))


def render_report(report: dict[str, Any]) -> str:
    """The report as a self-contained page (styles from /static/checkup.css); every value escaped."""
    profile = report.get("profile") or {}
    answers = {key: "、".join(map(str, profile.get(key) or [])) or "未填" for key in PROFILE_LABELS}
    rows = "".join(
        f"<tr><th>{_text(label)}</th><td>{_text(answers[key])}</td></tr>"
        for key, label in PROFILE_LABELS.items()
    )
    sections = []
    for section in report.get("sections") or []:
        items = "".join(
            "<li>"
            + _text(line.get("text", ""))
            + ("<span class=demo>演示数据</span>" if line.get("demo") else "")
            + f"<div class=source>出处：{_text(line.get('source', ''))}</div></li>"
            for line in section.get("lines") or []
        )
        sections.append(f"<section><h2>{_text(section.get('title', ''))}</h2><ol>{items}</ol></section>")
    return _page(
        f"<h1>{TITLE}</h1><table class=profile>{rows}</table>{''.join(sections)}<p class=note>{NOTE}</p>"
    )


def render_gone() -> str:
    return _page(f"<h1>{TITLE}</h1><p>{GONE}</p>")


def _page(body: str) -> str:
    return (
        "<!doctype html><html lang=zh-CN><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        "<meta name=robots content=noindex>"
        f"<title>{TITLE}</title><link rel=stylesheet href=/static/checkup.css></head>"
        f"<body><main>{body}</main></body></html>"
    )
