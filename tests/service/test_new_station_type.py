"""A station type added only in a copy of knowledge/ reaches routing, the chat payload, WeChat, the admin."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from actions import resources
from actions.compose import route_reply
from actions.routing import RouteQuery, route
from retrieval.errors import KnowledgeFormatError
from retrieval.knowledge import KnowledgeBase, load_knowledge
from service.chat import convert
from service.wechat import text
from tests.service.test_admin_helpers import REPO_KNOWLEDGE, Staff

pytest_plugins = ["tests.service.test_admin_helpers"]

NEW_TYPE = """
  - code: patent_station
    label: 专利工作站
    serves: 专利申请、专利布局和专利导航
    bring: 技术交底材料和已有的专利清单
    source: 示例来源（测试用）
    ip_types: [专利]
"""
NEW_STATION = """
  - id: demo-patent-wujiaochang
    name: 专利工作站（五角场）（演示）
    type: patent_station
    services: [专利申请咨询]
    streets: [五角场街道]
    source: 演示数据（测试用）
    source_date: 未注明
    status: unknown
    verified: false
    demo: true
"""


def with_new_type(root: Path, station_type: str = "patent_station") -> Path:
    """knowledge/ copied to root with one more station type and one station of it."""
    shutil.copytree(REPO_KNOWLEDGE, root)
    with (root / "station_types.yml").open("a", encoding="utf-8") as file:
        file.write(NEW_TYPE)
    with (root / "stations.yml").open("a", encoding="utf-8") as file:
        file.write(NEW_STATION.replace("patent_station", station_type))
    return root


@pytest.fixture
def base(tmp_path: Path) -> KnowledgeBase:
    return load_knowledge(with_new_type(tmp_path / "copy"))


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """The admin's knowledge (overrides the helpers' tiny fixture): the copy with the new type."""
    return with_new_type(tmp_path / "knowledge")


def test_routing_sends_the_types_ip_type_to_it(base: KnowledgeBase) -> None:
    decision = route(RouteQuery(("注册",), "专利"), base)
    assert decision.station_types == ("patent_station",)
    assert [s.id for s in decision.stations] == ["demo-patent-wujiaochang"]
    # the shipped types route as before
    assert route(RouteQuery(("注册",), "商标"), base).station_types == ("trademark_station",)


def test_the_chat_payload_and_wechat_text_carry_its_label(
    base: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "get_knowledge", lambda: base)
    decision = route(RouteQuery(("注册",), "专利"), base)
    reply = route_reply(decision, resources.replies(), resources.station_guide())
    stations: list[dict[str, Any]] = reply.stations
    assert stations[0]["type"] == "patent_station" and stations[0]["type_label"] == "专利工作站"
    assert "专利工作站" in reply.text and "技术交底材料" in reply.text  # the label and what to bring
    response = convert("u", [{"text": reply.text}, {"custom": reply.payload()}]).response
    wechat = text.render(response, "http://127.0.0.1:8000/").text
    assert "专利工作站" in wechat and "技术交底材料" in wechat


def test_the_admin_serves_it_in_the_station_forms_type_list(editor: Staff) -> None:
    types = editor.get("/admin/api/locations").json()["station_types"]
    assert {"code": "patent_station", "label": "专利工作站"} in types
    served = editor.get("/admin/api/station-types").json()
    assert "patent_station" in [row["key"] for row in served]
    station = editor.get("/admin/api/stations/demo-patent-wujiaochang").json()["data"]
    assert station["type"] == "patent_station"


def test_a_station_of_an_undeclared_type_is_refused_in_chinese(tmp_path: Path) -> None:
    root = with_new_type(tmp_path / "copy", station_type="patent_desk")
    with pytest.raises(KnowledgeFormatError) as raised:
        load_knowledge(root)
    message = str(raised.value)
    assert "stations.yml" in message and "demo-patent-wujiaochang" in message
    assert "未知的站点类型“patent_desk”" in message and "station_types.yml" in message
