"""Renders a ChatResponse as WeChat plain text: numbered options, a short citation line, station blocks."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from service.schemas import Button, ChatResponse

WELCOME = (
    "您好！欢迎关注杨浦知识产权全科医生。\n\n"
    "我可以帮您：\n"
    "· 解答专利、商标、版权等知识产权政策问题，例如资助、质押融资、专利保险；\n"
    "· 根据您的需求和所在街道、园区，推荐可以去的服务站点；\n"
    "· 说明侵权维权、海外纠纷、技术转移的办理途径；\n"
    "· 需要时帮您转交工作人员跟进。\n\n"
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
UNKNOWN_FIELD = "暂无公开信息"
DEMO_BADGE = "（演示数据）"
STATUS_LABELS = {"current": "现行", "historical": "历史", "现行": "现行", "历史": "历史"}


# A gateway page named by its path in a reply (the check-up print page): WeChat needs the full address.
GATEWAY_PATH = re.compile(r"(?<![\w/.:])/checkup/[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Rendered:
    """The text to send and the options a digit reply can choose from."""

    text: str
    options: list[Button] = field(default_factory=list)


def render(response: ChatResponse, chat_page_url: str) -> Rendered:
    paragraphs: list[str] = []
    options: list[Button] = []
    sources: list[Mapping[str, object]] = []
    for reply in response.replies:
        said = GATEWAY_PATH.sub(lambda m: chat_page_url.rstrip("/") + m.group(0), reply.text.strip())
        if said:
            paragraphs.append(said)
        # The actions often name stations in the text already; a block is added only for those they did not.
        paragraphs.extend(
            station_block(s) for s in reply.stations if not _field(s, "name") or _field(s, "name") not in said
        )
        sources.extend(source for source in reply.sources if source not in sources)
        options.extend(button for button in reply.buttons if button not in options)
    if options:
        lines = ["回复数字选择："] + [f"{number}. {button.title}" for number, button in enumerate(options, 1)]
        paragraphs.append("\n".join(lines))
    if sources:
        link = f"查看原文和完整出处：{chat_page_url}"
        cited = _already_cited(sources[0], "\n".join(paragraphs))
        paragraphs.append(link if cited else f"{citation_line(sources)}\n{link}")
    return Rendered("\n\n".join(paragraphs) or NO_ANSWER, options)


def _already_cited(source: Mapping[str, object], text: str) -> bool:
    """True when the reply text already names the source (its number, or its title when it has none)."""
    key = _field(source, "number") or _field(source, "title").strip("《》")
    return bool(key) and key in text


def citation_line(sources: list[Mapping[str, object]]) -> str:
    """One short line naming the first source (title, number, section, date and status)."""
    line = "来源：" + cite(sources[0])
    if len(sources) > 1:
        line += f" 等{len(sources)}处"
    return line


def cite(source: Mapping[str, object]) -> str:
    title = _field(source, "title").strip("《》")
    where = " ".join(part for part in (_field(source, "number"), _field(source, "section")) if part)
    text = (f"《{title}》" if title else "") + where
    extra = [_field(source, "date"), STATUS_LABELS.get(_field(source, "status"), "")]
    extra = [value for value in extra if value]
    return text + (f"（{'，'.join(extra)}）" if extra else "")


def station_block(station: Mapping[str, object]) -> str:
    name = _field(station, "name") or UNKNOWN_FIELD
    lines = [f"【{name}】" + (DEMO_BADGE if station.get("demo") is True else "")]
    lines.append(f"类型：{station_type_label(station) or UNKNOWN_FIELD}")
    for label, key in (("地址", "address"), ("电话", "phone"), ("办公时间", "hours")):
        lines.append(f"{label}：{_field(station, key) or UNKNOWN_FIELD}")
    return "\n".join(lines)


def station_type_label(station: Mapping[str, object]) -> str:
    """The label the reply sends with the station (the code if an older reply has none)."""
    return _field(station, "type_label") or _field(station, "type")


def _field(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    return str(value).strip() if isinstance(value, (str, int, float)) else ""
