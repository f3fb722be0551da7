"""service.present: an action's reply parts worded and rendered once, for every channel, from one file."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.answering import source_payload
from actions.compose import Reply
from retrieval.schema import Status
from service.chat import convert
from service.present import wording as wording_module
from service.present.citation import chinese_date, cite
from service.present.wording import wording
from service.schemas import ChatResponse
from service.wechat import text as wechat_text
from tests.actions.conftest import hit


def rasa_messages(reply: Reply) -> list[dict[str, object]]:
    """What Rasa's REST channel sends for `send(dispatcher, reply)`: text and buttons, then the custom."""
    return [{"text": reply.text, "buttons": reply.buttons}, {"custom": reply.payload()}]


def answer(*hits_: object, tier: str = "certain") -> ChatResponse:
    sources = [source_payload(h, "贴息50%。") for h in hits_]  # type: ignore[arg-type]
    reply = Reply("对符合条件的企业给予贷款利率50%的贴息。", sources=sources, tier=tier)
    return convert("s", rasa_messages(reply)).response


def test_an_answer_of_the_actions_is_cited_by_the_gateway() -> None:
    reply = answer(hit("…")).replies[0]
    assert reply.body == "对符合条件的企业给予贷款利率50%的贴息。"
    assert reply.citation_label == "来源："
    [citation] = reply.citations
    assert citation.text.startswith("《上海市杨浦区关于国家知识产权强市建设试点城区工作方案")
    assert "杨府发〔2024〕4号" in citation.text and "四、（二）6." in citation.text
    assert citation.text.endswith("2024年3月15日，现行")
    assert reply.text == f"{reply.body}\n来源：{citation.text}"  # the plain text says it once
    assert reply.text.count("来源") == 1


def test_a_historical_rule_names_its_year_and_demo_data_is_marked() -> None:
    historical = {"section": "", "number": "", "date": "2022-03-03", "status": Status.historical}
    rule = hit("每件最高1500元。", kind="rule", title="2021年度杨浦区国内发明专利授权资助", **historical)  # type: ignore[arg-type]
    assert cite(source_payload(rule, ""), wording()["citation"]).endswith("历史（2021年度）")
    demo = hit("…", kind="faq", demo=True, status=Status.unknown)
    assert cite(source_payload(demo, ""), wording()["citation"]).endswith("现行状态未注明，演示数据")


def test_a_station_list_cites_a_few_distinct_sources_clipped() -> None:
    sources = [{"kind": "station", "title": f"来源{n % 4}" + "长" * 50} for n in range(8)]
    stations = [{"name": f"站点{n}", "phone": "021-12345678"} for n in range(8)]
    messages = rasa_messages(Reply("", lead="可以联系以下机构：", sources=sources, stations=stations))
    reply = convert("s", messages).response.replies[0]
    assert reply.citation_label == "站点信息来源："
    assert len(reply.citations) == 3 and all(
        len(c.text) == 40 and c.text.endswith("…") for c in reply.citations
    )
    assert reply.text.splitlines()[1] == "1. 站点0"


def test_a_station_without_public_contact_says_so_once() -> None:
    messages = rasa_messages(Reply("", lead="可以联系：", stations=[{"name": "某站"}]))
    assert convert("s", messages).response.replies[0].text == "可以联系：\n1. 某站（暂无公开联系方式）"


def test_changing_the_citation_wording_is_one_data_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = tmp_path / "wording.yml"
    changed.write_text(
        wording_module.WORDING_FILE.read_text(encoding="utf-8").replace('label: "来源："', 'label: "出处："'),
        encoding="utf-8",
    )
    monkeypatch.setattr(wording_module, "WORDING_FILE", changed)
    wording_module.read_wording.cache_clear()
    try:
        response = answer(hit("…"))
        reply = response.replies[0]
        assert (
            reply.citation_label == "出处：" and "\n出处：《" in reply.text
        )  # API text and the widget's label
        assert "\n出处：《" in wechat_text.render(response, "http://x/").text  # WeChat
    finally:
        wording_module.read_wording.cache_clear()


@pytest.mark.parametrize(
    ("value", "shown"),
    [("2024-03-15", "2024年3月15日"), ("2022-03", "2022年3月"), ("2021", "2021"), ("约2023年", "约2023年")],
)
def test_source_dates_read_as_chinese_dates(value: str, shown: str) -> None:
    assert chinese_date(value) == shown
