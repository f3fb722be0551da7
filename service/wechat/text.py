"""Renders a ChatResponse as WeChat plain text: the replies' text, numbered options, a link to the sources."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.schemas import Button, ChatReply, ChatResponse
from service.wechat.checkup import render_report
from service.wechat.split import LIMIT_BYTES, size

WELCOME = (
    "您好！欢迎关注杨浦知识产权全科医生。\n\n"
    "我可以帮您：\n"
    "· 解答专利、商标、版权等知识产权政策问题，例如资助、质押融资、专利保险；\n"
    "· 根据您的需求和所在街道、园区，推荐可以去的服务站点；\n"
    "· 说明侵权维权、海外纠纷、技术转移的办理途径；\n"
    "· 需要时帮您转交工作人员跟进；\n"
    "· 回复“知识产权体检”（或点菜单“企业体检”），回答6个问题，"
    "得到一份对口政策、风险提示和服务站点的报告。\n\n"
    "回答都会注明政策出处。请直接用文字描述您的问题，例如：“知识产权质押贷款有贴息吗？”"
)
ONLY_TEXT = "抱歉，目前只能理解文字消息，请用文字描述您的问题。"
RASA_DOWN = "抱歉，智能客服暂时无法应答，请稍后再试，或致电12345市民服务热线。"
STILL_WORKING = "这个问题查询时间较长，回答准备好后，会在您发送下一条消息时一并回复您。"
LATE_ANSWER = "您上一个问题的回答：\n{answer}"
CONTINUE_WORD = "继续"
MORE_PARTS = "（内容较长，还有{count}条，回复「继续」查看）"
EMPTY_MESSAGE = "请用文字描述您想咨询的知识产权问题。"
TOO_LONG = "您的消息太长了，请精简到1000字以内再发送。"
NO_ANSWER = "抱歉，暂时没有找到相关答复，您可以换个说法再问一次。"


# A gateway page named by its path in a reply (the check-up print page): WeChat needs the full address.
GATEWAY_PATH = re.compile(r"(?<![\w/.:])/checkup/[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Rendered:
    """The text to send and the options a digit reply can choose from."""

    text: str
    options: list[Button] = field(default_factory=list)


def render(response: ChatResponse, chat_page_url: str, limit: int = LIMIT_BYTES) -> Rendered:
    """The replies' plain text (service/present/plain.py: words, stations, notes, citation line), the
    options numbered, and where to read the sources: the first cited page, else the chat page.

    A check-up report is written short (service/wechat/checkup.py) in the room the rest leaves within
    `limit`, so the whole reply is one message with the full report's link near its top."""
    paragraphs: list[str] = []
    options: list[Button] = []
    pages: list[str] = []
    report: ChatReply | None = None  # written once the room left for it is known, at paragraphs[at]
    at = 0
    for reply in response.replies:
        said = GATEWAY_PATH.sub(lambda m: chat_page_url.rstrip("/") + m.group(0), reply.text.strip())
        if report is None and reply.checkup and reply.checkup.get("sections"):
            report, at, said = reply, len(paragraphs), ""
        if said:
            paragraphs.append(said)
        pages += [absolute(c.url, chat_page_url) for c in reply.citations if c.url]
        options.extend(button for button in reply.buttons if button not in options)
        related = (Button(title=question, payload=question) for question in reply.related)
        options.extend(button for button in related if button not in options)
    if options:
        lines = ["回复数字选择："] + [f"{number}. {button.title}" for number, button in enumerate(options, 1)]
        paragraphs.append("\n".join(lines))
    if any(reply.citations for reply in response.replies):
        paragraphs.append(f"查看原文和完整出处：{pages[0] if pages else chat_page_url}")
    if report is not None and report.checkup is not None:
        rest = size("\n\n".join(paragraphs)) + (2 if paragraphs else 0)
        url = absolute(report.report_url, chat_page_url) if report.report_url else ""
        paragraphs.insert(at, render_report(report.checkup, url, limit - rest))
    return Rendered("\n\n".join(paragraphs) or NO_ANSWER, options)


def absolute(url: str, chat_page_url: str) -> str:
    """A gateway path ("/sources/…") made a full address; other addresses as they are."""
    return chat_page_url.rstrip("/") + url if url.startswith("/") else url
