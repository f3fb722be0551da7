"""The 公众号 menu: menu.yml is valid, a signed CLICK starts the check-up, the menu prints and pushes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from service.settings import Settings
from service.wechat import menu
from service.wechat.errors import WeChatApiError
from service.wechat.parse import parse
from tests.service.test_wechat_api import APP_ID, APP_SECRET
from tests.service.test_wechat_webhook import SlowRasa, content_of, post, text_xml

pytest_plugins = ["tests.service.test_wechat_webhook"]  # its fixtures: wechat, fake_api

CHECKUP_KEY = "IPGP_CHECKUP"


def event_xml(event: str, key: str, created: int = 1700000100) -> str:
    return (
        "<xml><ToUserName><![CDATA[gh_ipgp]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName>"
        f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
    )


# ---- the CLICK event over the signed webhook ---------------------------------------------------------


def test_the_checkup_button_starts_the_checkup_and_digits_answer_it(
    wechat: tuple[TestClient, SlowRasa],
) -> None:
    client, rasa = wechat
    buttons = [{"title": t, "payload": t} for t in ("在线新经济", "人工智能", "跳过", "取消")]
    rasa.replies.append([{"text": "第1步：贵单位属于哪个行业？", "buttons": buttons}])
    first = content_of(post(client, event_xml("CLICK", CHECKUP_KEY)))
    assert rasa.sent == [("wechat:oUser1", "知识产权体检")]  # the button said the keyword
    assert "第1步" in first and "2. 人工智能" in first
    rasa.replies.append([{"text": "第2步：贵单位在杨浦区哪个街道或园区？"}])
    assert "第2步" in content_of(post(client, text_xml("2", msg_id=7)))
    assert rasa.sent[-1] == ("wechat:oUser1", "人工智能")


def test_a_retried_click_is_answered_once(wechat: tuple[TestClient, SlowRasa]) -> None:
    client, rasa = wechat
    rasa.replies.append([{"text": "第1步：贵单位属于哪个行业？"}])
    assert "第1步" in content_of(post(client, event_xml("CLICK", CHECKUP_KEY, created=1700000300)))
    post(client, event_xml("CLICK", CHECKUP_KEY, created=1700000300))  # WeChat retries with the same time
    assert rasa.sent == [("wechat:oUser1", "知识产权体检")]


def test_unknown_buttons_and_page_views_say_nothing(wechat: tuple[TestClient, SlowRasa]) -> None:
    client, rasa = wechat
    assert post(client, event_xml("CLICK", "OLD_BUTTON")).text == "success"
    assert post(client, event_xml("VIEW", "http://chat.test/", created=1700000101)).text == "success"
    assert rasa.sent == []


def test_click_events_are_parsed_with_their_key() -> None:
    click = parse(event_xml("CLICK", CHECKUP_KEY))
    assert (click.kind, click.event_key, click.dedup_key) == ("click", CHECKUP_KEY, "event:oUser1:1700000100")
    assert parse(event_xml("VIEW", "http://chat.test/")).kind == "event"


# ---- menu.yml --------------------------------------------------------------------------------------


def test_the_shipped_menu_is_valid_and_its_checkup_button_says_the_keyword() -> None:
    shipped = menu.load()
    clicks = menu.clicks(shipped)
    assert clicks[CHECKUP_KEY] == "知识产权体检"
    body = menu.wechat_json(shipped, "https://ip.example.gov.cn/")
    assert 1 <= len(body["button"]) <= 3
    assert {"type": "click", "name": "企业体检", "key": CHECKUP_KEY} in body["button"]
    views = [b for top in body["button"] for b in top.get("sub_button", []) if b.get("type") == "view"]
    assert views and all(b["url"] == "https://ip.example.gov.cn/" for b in views)


def write_menu(tmp_path: Path, buttons: list[dict[str, Any]]) -> Path:
    file = tmp_path / "menu.yml"
    file.write_text(yaml.safe_dump({"menu": buttons}, allow_unicode=True), encoding="utf-8")
    return file


@pytest.mark.parametrize(
    ("buttons", "button", "field", "message"),
    [
        (
            [{"name": "知识产权体检", "key": "A", "says": "知识产权体检"}],
            "知识产权体检",
            "name",
            "超过16字节",
        ),
        ([{"name": "体检", "key": "A"}], "体检", "says", "同时写"),
        ([{"name": "体检"}], "体检", "name", "三者之一"),
        ([{"name": "网页", "url": "http://x.cn"}], "网页", "url", "https://"),
        (
            [{"name": "甲", "key": "A", "says": "a"}, {"name": "乙", "key": "A", "says": "b"}],
            "乙",
            "key",
            "重复",
        ),
        (
            [{"name": "多", "sub": [{"name": f"子{n}", "url": "{chat_page}"} for n in range(6)]}],
            "多",
            "sub",
            "最多5",
        ),
        ([{"name": f"按钮{n}", "url": "{chat_page}"} for n in range(4)], "menu", "menu", "格式不正确"),
    ],
)
def test_menu_mistakes_name_the_button_and_field(
    tmp_path: Path, buttons: list[dict[str, Any]], button: str, field: str, message: str
) -> None:
    with pytest.raises(menu.MenuFormatError) as caught:
        menu.load(write_menu(tmp_path, buttons))
    assert (caught.value.button, caught.value.field) == (button, field)
    assert message in str(caught.value) and "menu.yml" in str(caught.value)


# ---- printing and pushing --------------------------------------------------------------------------


def test_the_command_prints_the_json_to_paste(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPGP_PUBLIC_URL", "https://ip.example.gov.cn/")
    assert menu.main([]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == menu.wechat_json(menu.load(), "https://ip.example.gov.cn/")
    monkeypatch.delenv("IPGP_WECHAT_APP_ID", raising=False)
    assert menu.main(["--push"]) == 2
    assert "IPGP_WECHAT_APP_ID" in capsys.readouterr().err


class FakeMenuApi:
    """WeChat's token and menu/create endpoints as an httpx transport; records the menus created."""

    def __init__(self, errcode: int = 0) -> None:
        self.created: list[tuple[str, dict[str, Any]]] = []
        self.errcode = errcode
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/token":
            assert request.url.params["appid"] == APP_ID and request.url.params["secret"] == APP_SECRET
            return httpx.Response(200, json={"access_token": "TOKEN1", "expires_in": 7200})
        assert request.url.path == "/cgi-bin/menu/create"
        if self.errcode:
            return httpx.Response(200, json={"errcode": self.errcode, "errmsg": "invalid button name size"})
        self.created.append((request.url.params["access_token"], json.loads(request.content)))
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})


SETTINGS = Settings(wechat_app_id=APP_ID, wechat_app_secret=APP_SECRET, wechat_api_base_url="https://wx.test")


@pytest.mark.anyio
async def test_push_creates_the_menu_with_a_fresh_token() -> None:
    fake = FakeMenuApi()
    body = menu.wechat_json(menu.load(), "https://ip.example.gov.cn/")
    await menu.push(SETTINGS, body, transport=fake.transport)
    assert fake.created == [("TOKEN1", body)]


@pytest.mark.anyio
async def test_a_refused_menu_raises_wechats_error() -> None:
    with pytest.raises(WeChatApiError) as caught:
        await menu.push(SETTINGS, {"button": []}, transport=FakeMenuApi(errcode=40018).transport)
    assert caught.value.errcode == 40018
