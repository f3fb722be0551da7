"""WeChat reply text: rendering of answers and the 2048-byte splitting properties."""

from __future__ import annotations

import random
import re

import pytest
import xmltodict

from service.chat import convert
from service.schemas import ChatResponse
from service.wechat import text
from service.wechat.parse import parse
from service.wechat.reply import text_reply
from service.wechat.split import LIMIT_BYTES, shorten, size, split_message

PHONE = re.compile(r"0\d{2,3}-\d{7,8}|1[3-9]\d{9}")
CITATION = "来源：《杨浦区知识产权试点工作方案》杨府发〔2024〕4号 四、（二）6.（2024-03-15，现行）"
URL = "https://ipgp.example.gov.cn/chat?from=wechat&ref=citation_01"


def random_text(rng: random.Random) -> str:
    """Paragraphs of Chinese sentences with phone numbers, citations, URLs and some very long runs."""
    paragraphs = []
    for _ in range(rng.randint(1, 25)):
        sentences = []
        for _ in range(rng.randint(1, 30)):
            body = "".join(
                rng.choice("知识产权质押融资贴息专利商标版权资助申请条件材料")
                for _ in range(rng.randint(3, 60))
            )
            extra = rng.choice(
                [
                    "",
                    "",
                    f"电话021-{rng.randint(10**7, 10**8 - 1)}",
                    f"手机1{rng.randint(3, 9)}{rng.randint(10**8, 10**9 - 1)}",
                    URL,
                ]
            )
            sentences.append(body + extra + rng.choice("。！？；，"))
        if rng.random() < 0.1:
            sentences.append("长" * rng.randint(700, 2500) + "021-35363288" + "句" * rng.randint(0, 900))
        if rng.random() < 0.3:
            sentences.append("\n" + CITATION + "\n" + URL)
        paragraphs.append("".join(sentences))
    return "\n\n".join(paragraphs)


@pytest.mark.parametrize("seed", range(60))
def test_split_parts_fit_keep_everything_and_never_cut_phones_or_citations(seed: int) -> None:
    rng = random.Random(seed)
    original = random_text(rng)
    parts = split_message(original)
    assert all(0 < size(part) <= LIMIT_BYTES for part in parts)
    assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", original)
    for phone in PHONE.findall(original):
        assert any(phone in part for part in parts), phone
    assert sum(part.count(CITATION) for part in parts) == original.count(CITATION)
    assert sum(part.count(URL) for part in parts) == original.count(URL)
    if size(original.strip()) <= LIMIT_BYTES:
        assert parts == [original.strip()]


def test_paragraphs_are_preferred_split_points() -> None:
    first = "第一段。" * 150  # 1800 bytes
    second = "第二段。" * 150
    assert split_message(f"{first}\n\n{second}") == [first, second]


def test_shorten_appends_a_notice_within_the_limit() -> None:
    notice = "内容较长，完整回答请访问网页版：http://127.0.0.1:8000/"
    long = "。".join(["知识产权质押融资贴息说明"] * 400)
    short = shorten(long, notice)
    assert size(short) <= LIMIT_BYTES
    assert short.endswith(notice)
    assert shorten("短回答", notice) == "短回答"


SOURCE: dict[str, object] = {
    "title": "杨浦区知识产权试点工作方案",
    "number": "杨府发〔2024〕4号",
    "section": "四、（二）6.",
    "date": "2024-03-15",
    "status": "current",
    "snippet": "……",
    "kind": "document",
}


def test_answer_with_buttons_sources_and_stations_renders_as_text() -> None:
    parts = {
        "lead": "可以联系以下机构：",
        "body": "可以申请贴息。",
        "notes": ["提示：以站点要求为准。"],
        "sources": [SOURCE, {**SOURCE, "title": "另一份文件", "status": "historical"}],
        "stations": [
            {"type": "trademark_station", "name": "某商标指导站（演示）", "demo": True, "phone": ""},
            {"type": "tech_transfer", "name": "某中心", "address": "某路1号", "phone": "021-35363288"},
        ],
    }
    buttons = [{"title": "怎么申请", "payload": "/how"}, {"title": "找服务站", "payload": "/station"}]
    response = convert(
        "oUser1", [{"text": "可以申请贴息。", "buttons": buttons}, {"custom": {"reply": parts}}]
    ).response
    rendered = text.render(response, "http://127.0.0.1:8000/")
    assert rendered.options == response.replies[0].buttons
    assert rendered.text == (
        "可以联系以下机构：\n可以申请贴息。\n"
        "1. 某商标指导站（演示）【演示数据】（暂无公开联系方式）\n"
        "2. 某中心\n   地址：某路1号；电话：021-35363288\n"
        "提示：以站点要求为准。\n"
        "来源：《杨浦区知识产权试点工作方案》，杨府发〔2024〕4号，四、（二）6.，2024年3月15日，现行；《另一份文件》，杨府发〔2024〕4号，"
        "四、（二）6.，2024年3月15日，历史\n\n"
        "回复数字选择：\n1. 怎么申请\n2. 找服务站\n\n"
        "查看原文和完整出处：http://127.0.0.1:8000/"
    )


def test_a_cited_page_of_the_gateway_is_the_link_wechat_sends() -> None:
    parts = {"body": "可以。", "sources": [{**SOURCE, "doc_id": "plan", "chunk_id": "document:plan#006"}]}
    response = convert("oUser1", [{"text": "可以。"}, {"custom": {"reply": parts}}]).response
    rendered = text.render(response, "https://ipgp.example.gov.cn/")
    assert rendered.text.endswith("查看原文和完整出处：https://ipgp.example.gov.cn/sources/plan#p006")


def test_empty_answer_is_never_blank() -> None:
    assert text.render(ChatResponse(sender_id="u", replies=[]), "x").text == text.NO_ANSWER


def test_passive_reply_xml_is_addressed_back_and_survives_cdata_breakers() -> None:
    incoming = parse(
        "<xml><ToUserName>gh_ipgp</ToUserName><FromUserName>oUser1</FromUserName><CreateTime>1</CreateTime>"
        "<MsgType>text</MsgType><Content>hi</Content><MsgId>9</MsgId></xml>"
    )
    xml = text_reply(incoming, "答复 ]]> <b>&amp;\x01 结束", 1700000000)
    data = xmltodict.parse(xml)["xml"]
    assert data == {
        "MsgType": "text",
        "Content": "答复 ]]> <b>&amp; 结束",
        "FromUserName": "gh_ipgp",
        "ToUserName": "oUser1",
        "CreateTime": "1700000000",
    }


def test_related_questions_are_numbered_options_after_the_buttons() -> None:
    parts = {"body": "可以。", "related": ["专利保险有补贴吗？"]}
    buttons = [{"title": "转人工", "payload": "/request_human"}]
    response = convert(
        "oUser1", [{"text": "可以。", "buttons": buttons}, {"custom": {"reply": parts}}]
    ).response
    rendered = text.render(response, "http://x/")
    assert "回复数字选择：\n1. 转人工\n2. 专利保险有补贴吗？" in rendered.text
    assert rendered.options[1].payload == "专利保险有补贴吗？"
