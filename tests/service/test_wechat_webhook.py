"""/wechat end to end inside the gateway: modes, refusals, dedup, deadlines and the message API path."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import xmltodict
from fastapi.testclient import TestClient
from wechatpy.crypto import WeChatCrypto

from service.deps import get_rasa
from service.main import create_app
from service.settings import Settings
from service.store import Store
from service.wechat import text
from service.wechat.signature import sign
from service.wechat.split import LIMIT_BYTES, size
from tests.service.conftest import ScriptedRasa
from tests.service.test_wechat_api import APP_ID, APP_SECRET, FakeWeChat
from tests.service.test_wechat_crypto import (
    AES_KEY,
    ENCRYPTED,
    ENVELOPE,
    HOSTILE,
    NONCE,
    TIMESTAMP,
    TOKEN,
)

CHAT_PAGE = "http://chat.test/"


class SlowRasa(ScriptedRasa):
    """ScriptedRasa that takes `delay_s` to answer."""

    def __init__(self) -> None:
        super().__init__()
        self.delay_s = 0.0

    async def send(self, sender_id: str, message: str) -> list[dict[str, Any]]:
        await asyncio.sleep(self.delay_s)
        return await super().send(sender_id, message)


MakeClient = Callable[..., tuple[TestClient, SlowRasa]]


@pytest.fixture
def fake_api() -> Iterator[FakeWeChat]:
    with FakeWeChat() as server:
        yield server


@pytest.fixture
def make_client(tmp_path: Path, fake_api: FakeWeChat) -> Iterator[MakeClient]:
    stack = ExitStack()

    def make(**overrides: Any) -> tuple[TestClient, SlowRasa]:
        values: dict[str, Any] = {
            "var_dir": tmp_path / "var",
            "index_dir": tmp_path / "index",
            "action_port": 1,
            "public_url": CHAT_PAGE,
            "wechat_token": TOKEN,
            "wechat_encoding_aes_key": "",  # plaintext mode; safe-mode tests set the key
            "wechat_app_id": APP_ID,
            "wechat_app_secret": APP_SECRET,
            "wechat_api_base_url": fake_api.url,
            "wechat_reply_deadline_s": 2.0,
            "wechat_max_body_bytes": 4096,
        }
        rasa = SlowRasa()
        app = create_app(Settings(**{**values, **overrides}))
        app.dependency_overrides[get_rasa] = lambda: rasa
        return stack.enter_context(TestClient(app)), rasa

    yield make
    stack.close()


@pytest.fixture
def wechat(make_client: MakeClient) -> tuple[TestClient, SlowRasa]:
    return make_client()


def text_xml(content: str, msg_id: int = 1001, openid: str = "oUser1", kind: str = "text") -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_ipgp]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def signed(timestamp: str = "", nonce: str = "") -> dict[str, str]:
    """Query parameters as WeChat sends them now: a fresh timestamp and a new nonce, signed."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or uuid.uuid4().hex[:16]
    return {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


def post(client: TestClient, body: str | bytes, **params: str) -> Any:  # TestClient's response type
    """A freshly signed POST; `params` override the signed values (to forge or replay them)."""
    raw = body.encode() if isinstance(body, str) else body
    return client.post("/wechat", params={**signed(), **params}, content=raw)


def post_aes(client: TestClient, body: str, encrypted: str = ENCRYPTED, **params: str) -> Any:
    """A safe-mode POST whose msg_signature covers `encrypted`, signed now."""
    query = signed()
    msg_signature = sign(TOKEN, query["timestamp"], query["nonce"], encrypted)
    merged = {**query, "encrypt_type": "aes", "msg_signature": msg_signature, **params}
    return client.post("/wechat", params=merged, content=body.encode())


def content_of(response: Any) -> str:
    assert response.status_code == 200, response.text
    data = xmltodict.parse(response.text)["xml"]
    assert data["MsgType"] == "text"
    return str(data["Content"])


def store_of(client: TestClient) -> Store:
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    return store


# ---- URL verification ---------------------------------------------------------------------------


def test_url_verification_echoes_echostr_only_with_a_good_signature(
    wechat: tuple[TestClient, SlowRasa],
) -> None:
    client, _ = wechat
    good = client.get("/wechat", params={**signed(), "echostr": "8234567890"})
    assert (good.status_code, good.text) == (200, "8234567890")
    assert good.headers["content-type"].startswith("text/plain")
    bad = client.get("/wechat", params={**signed(), "nonce": "other", "echostr": "8234567890"})
    assert bad.status_code == 403
    assert "8234567890" not in bad.text


def test_unconfigured_webhook_answers_503(make_client: MakeClient) -> None:
    client, _ = make_client(wechat_token="")
    assert client.get("/wechat", params={**signed(), "echostr": "1"}).status_code == 503
    assert post(client, text_xml("你好")).status_code == 503


# ---- plaintext, compatible and safe modes -------------------------------------------------------------


def test_plaintext_text_message_gets_a_passive_reply(wechat: tuple[TestClient, SlowRasa]) -> None:
    client, rasa = wechat
    rasa.replies.append([{"text": "您好，我是杨浦知识产权全科医生。"}])
    response = post(client, text_xml("你好"))
    assert response.headers["content-type"].startswith("application/xml")
    data = xmltodict.parse(response.text)["xml"]
    assert data["Content"] == "您好，我是杨浦知识产权全科医生。"
    assert (data["ToUserName"], data["FromUserName"]) == ("oUser1", "gh_ipgp")
    assert rasa.sent == [("wechat:oUser1", "你好")]
    [turn] = store_of(client).turns()
    assert (turn.sender_id, turn.channel, turn.message) == ("wechat:oUser1", "wechat", "你好")


@pytest.fixture
def safe_mode(make_client: MakeClient) -> tuple[TestClient, SlowRasa]:
    return make_client(wechat_encoding_aes_key=AES_KEY)


def test_safe_mode_literal_ciphertext_is_decrypted_and_the_reply_encrypted(
    safe_mode: tuple[TestClient, SlowRasa],
) -> None:
    client, rasa = safe_mode
    rasa.replies.append([{"text": "请看资助办法。"}])
    response = post_aes(client, ENVELOPE)
    assert response.status_code == 200
    envelope = xmltodict.parse(response.text)["xml"]
    assert set(envelope) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    plain = WeChatCrypto(TOKEN, AES_KEY, APP_ID).decrypt_message(
        response.text, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
    )
    reply = xmltodict.parse(plain)["xml"]
    assert (reply["Content"], reply["ToUserName"]) == ("请看资助办法。", "oUser_AES_1")
    assert rasa.sent == [("wechat:oUser_AES_1", "专利资助怎么申请")]


def test_compatible_mode_uses_the_encrypted_part(safe_mode: tuple[TestClient, SlowRasa]) -> None:
    client, rasa = safe_mode
    compatible = ENVELOPE.replace("<Encrypt>", "<FromUserName>oPlain</FromUserName><Encrypt>")
    response = post_aes(client, compatible)
    assert response.status_code == 200 and "<Encrypt>" in response.text
    assert rasa.sent == [("wechat:oUser_AES_1", "专利资助怎么申请")]


@pytest.mark.parametrize(
    ("params", "body"),
    [
        ({"signature": "0" * 40}, text_xml("你好")),
        ({"timestamp": "1700000001"}, text_xml("你好")),
        ({"nonce": "x"}, text_xml("你好").replace("<xml>", "<xml ")),  # signature checked before parsing
        ({"encrypt_type": "aes", "msg_signature": "0" * 40}, ENVELOPE),
        ({"encrypt_type": "aes", "msg_signature": sign(TOKEN, TIMESTAMP, NONCE, ENCRYPTED)}, ENVELOPE),
    ],
)
def test_bad_signature_is_403_and_nothing_is_processed(
    safe_mode: tuple[TestClient, SlowRasa], params: dict[str, str], body: str
) -> None:
    client, rasa = safe_mode
    response = post(client, body, **params)
    assert response.status_code == 403
    assert response.json()["detail"] == "签名校验失败"
    assert rasa.sent == [] and store_of(client).turns() == []


@pytest.mark.parametrize("body", [*HOSTILE, "<xml>" + "<a>x</a>" * 1000 + "</xml>"])
def test_malformed_hostile_or_oversized_xml_is_400(wechat: tuple[TestClient, SlowRasa], body: str) -> None:
    client, rasa = wechat
    response = post(client, body)
    assert response.status_code == 400
    assert response.json()["detail"] == "消息格式不正确"
    assert rasa.sent == []


def test_hostile_xml_inside_a_correctly_signed_ciphertext_is_400(
    safe_mode: tuple[TestClient, SlowRasa],
) -> None:
    client, rasa = safe_mode
    inner = '<!DOCTYPE xml [<!ENTITY a "b">]><xml><Content>&a;</Content></xml>'
    envelope = WeChatCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(inner, NONCE, TIMESTAMP)
    encrypted = xmltodict.parse(envelope)["xml"]["Encrypt"]
    response = post_aes(client, envelope, encrypted)
    assert response.status_code == 400
    assert rasa.sent == []


def test_unknown_encrypt_type_is_400_and_missing_aes_key_503(make_client: MakeClient) -> None:
    client, _ = make_client()
    assert post(client, text_xml("你好"), encrypt_type="rot13").status_code == 400
    plain_only, rasa = make_client(wechat_encoding_aes_key="")
    assert post_aes(plain_only, ENVELOPE).status_code == 503
    assert rasa.sent == []


# ---- what the bot says ---------------------------------------------------------------------------


def test_events_and_other_message_types(wechat: tuple[TestClient, SlowRasa]) -> None:
    client, rasa = wechat
    event = (
        "<xml><ToUserName>gh_ipgp</ToUserName><FromUserName>oUser1</FromUserName><CreateTime>1700000001</CreateTime>"
        "<MsgType>event</MsgType><Event>{event}</Event></xml>"
    )
    assert content_of(post(client, event.format(event="subscribe"))) == text.WELCOME
    assert post(client, event.format(event="unsubscribe")).text == "success"
    image = text_xml("", kind="image").replace("<Content><![CDATA[]]></Content>", "<PicUrl>x</PicUrl>")
    assert content_of(post(client, image)) == text.ONLY_TEXT
    assert "只能理解文字消息" in text.ONLY_TEXT
    assert content_of(post(client, text_xml("   ", msg_id=5))) == text.EMPTY_MESSAGE
    assert content_of(post(client, text_xml("问" * 1001, msg_id=6))) == text.TOO_LONG
    assert rasa.sent == []


def test_rasa_down_gets_a_polite_apology(wechat: tuple[TestClient, SlowRasa]) -> None:
    client, rasa = wechat
    rasa.down = True
    assert content_of(post(client, text_xml("你好"))) == text.RASA_DOWN


def test_buttons_become_numbered_options_answerable_by_digit(wechat: tuple[TestClient, SlowRasa]) -> None:
    client, rasa = wechat
    buttons = [
        {"title": "怎么申请", "payload": "/ask_how"},
        {"title": "去哪里办", "payload": "/find_station"},
    ]
    rasa.replies.append([{"text": "可以申请贴息。", "buttons": buttons}])
    first = content_of(post(client, text_xml("质押贷款贴息", msg_id=11)))
    assert first.endswith("回复数字选择：\n1. 怎么申请\n2. 去哪里办")
    content_of(post(client, text_xml("2", msg_id=12)))
    content_of(post(client, text_xml("2", msg_id=13)))  # the answer had no options: a digit is just a digit
    assert rasa.sent == [
        ("wechat:oUser1", "质押贷款贴息"),
        ("wechat:oUser1", "/find_station"),
        ("wechat:oUser1", "2"),
    ]


def test_sources_become_a_citation_line_and_a_link(wechat: tuple[TestClient, SlowRasa]) -> None:
    client, rasa = wechat
    source = {
        "title": "试点方案",
        "number": "杨府发〔2024〕4号",
        "section": "四、（二）",
        "date": "2024-03-15",
        "status": "current",
    }
    parts = {"body": "可以申请贴息。", "sources": [{**source, "kind": "document"}]}
    rasa.replies.append([{"text": "可以申请贴息。"}, {"custom": {"reply": parts}}])
    reply = content_of(post(client, text_xml("贴息")))
    assert reply == (
        "可以申请贴息。\n来源：《试点方案》，杨府发〔2024〕4号，四、（二），2024年3月15日，现行\n\n"
        f"查看原文和完整出处：{CHAT_PAGE}"
    )


# ---- retries, deadlines and the customer-service API ------------------------------------------------


def test_three_retries_in_flight_make_one_rasa_call_and_one_answer(
    wechat: tuple[TestClient, SlowRasa], fake_api: FakeWeChat
) -> None:
    client, rasa = wechat
    rasa.delay_s = 0.5
    rasa.replies.append([{"text": "唯一的答复。"}])
    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(lambda _: post(client, text_xml("你好", msg_id=77)), range(3)))
    assert [content_of(response) for response in responses] == ["唯一的答复。"] * 3
    assert content_of(post(client, text_xml("你好", msg_id=77))) == "唯一的答复。"  # a late retry too
    assert rasa.sent == [("wechat:oUser1", "你好")]
    assert len(store_of(client).turns()) == 1
    time.sleep(0.2)
    assert fake_api.sent == []


def test_slow_answer_is_sent_once_through_the_message_api(
    make_client: MakeClient, fake_api: FakeWeChat
) -> None:
    from service.metrics import REGISTRY

    def deferred() -> float:
        return REGISTRY.get_sample_value("ipgp_wechat_deferred_replies_total", {"delivery": "api"}) or 0.0

    client, rasa = make_client(wechat_reply_deadline_s=0.2)
    before = deferred()
    rasa.delay_s = 0.8
    rasa.replies.append([{"text": "迟到但完整的答复。"}])
    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(lambda _: post(client, text_xml("你好", msg_id=88)), range(3)))
    assert [(r.status_code, r.text) for r in responses] == [(200, "success")] * 3
    assert fake_api.wait_for_sent(1) == ["迟到但完整的答复。"]
    assert deferred() == before + 1  # once, whatever WeChat's retries
    assert post(client, text_xml("你好", msg_id=88)).text == "success"  # retry after delivery
    time.sleep(0.3)
    assert len(fake_api.sent) == 1
    assert fake_api.sent[0][1]["touser"] == "oUser1"
    assert rasa.sent == [("wechat:oUser1", "你好")]
    assert len(fake_api.token_requests) == 1


def test_long_answer_is_split_first_part_passive_rest_through_the_api(
    wechat: tuple[TestClient, SlowRasa], fake_api: FakeWeChat
) -> None:
    client, rasa = wechat
    paragraphs = [f"第{n}段：" + "知识产权质押融资贴息说明。" * 40 for n in range(1, 6)]
    assert all(1500 < size(p) <= LIMIT_BYTES for p in paragraphs)  # no two fit in one message
    rasa.replies.append([{"text": "\n\n".join(paragraphs)}])
    first = content_of(post(client, text_xml("长问题")))
    rest = fake_api.wait_for_sent(4)
    assert [first, *rest] == paragraphs
    time.sleep(0.2)
    assert len(fake_api.sent) == 4


def test_without_the_message_api_a_late_answer_comes_with_the_next_reply(
    make_client: MakeClient, fake_api: FakeWeChat
) -> None:
    from service.metrics import REGISTRY

    def deferred() -> float:
        labels = {"delivery": "next_message"}
        return REGISTRY.get_sample_value("ipgp_wechat_deferred_replies_total", labels) or 0.0

    client, rasa = make_client(wechat_app_secret="", wechat_reply_deadline_s=0.3)
    before = deferred()
    rasa.delay_s = 0.6
    rasa.replies += [[{"text": "转介已记录，工作人员会联系您。"}], [{"text": "商标注册请到……"}]]
    assert content_of(post(client, text_xml("慢问题", msg_id=2))) == text.STILL_WORKING
    assert deferred() == before + 1
    time.sleep(0.5)  # the slow turn finishes in the background
    rasa.delay_s = 0.0
    reply = content_of(post(client, text_xml("商标怎么注册", msg_id=3)))
    assert reply == "您上一个问题的回答：\n转介已记录，工作人员会联系您。\n\n商标注册请到……"
    assert "您上一个问题" not in content_of(post(client, text_xml("谢谢", msg_id=4)))  # delivered once
    assert fake_api.sent == [] and fake_api.token_requests == []


def test_without_the_message_api_a_still_running_answer_waits_for_a_later_message(
    make_client: MakeClient,
) -> None:
    client, rasa = make_client(wechat_app_secret="", wechat_reply_deadline_s=0.2)
    rasa.delay_s = 0.9
    # ScriptedRasa hands out replies when a turn finishes: the fast second turn takes the first
    rasa.replies += [[{"text": "第二个答复。"}], [{"text": "很慢的答复。"}], [{"text": "第三个答复。"}]]
    assert content_of(post(client, text_xml("慢问题", msg_id=5))) == text.STILL_WORKING
    rasa.delay_s = 0.0
    assert content_of(post(client, text_xml("又问", msg_id=6))) == "第二个答复。"  # not finished yet: kept
    time.sleep(0.9)
    later = content_of(post(client, text_xml("再问", msg_id=7)))
    assert later == "您上一个问题的回答：\n很慢的答复。\n\n第三个答复。"


def test_without_the_message_api_long_answers_go_out_part_by_part_on_continue(
    make_client: MakeClient,
) -> None:
    client, rasa = make_client(wechat_app_secret="", wechat_reply_deadline_s=2.0)
    paragraphs = [f"第{n}段：" + "知识产权质押融资贴息说明。" * 40 for n in range(1, 6)]
    rasa.replies.append([{"text": "\n\n".join(paragraphs)}])
    first = content_of(post(client, text_xml("长问题", msg_id=1)))
    assert size(first) <= LIMIT_BYTES and first.endswith("（内容较长，还有4条，回复「继续」查看）")
    parts = [first]
    for n in range(4):
        parts.append(content_of(post(client, text_xml("继续", msg_id=10 + n))))
        assert size(parts[-1]) <= LIMIT_BYTES
    joined = "\n\n".join(parts)
    assert all(paragraph in joined for paragraph in paragraphs)
    assert rasa.sent == [("wechat:oUser1", "长问题")]  # 「继续」 never reaches Rasa


def test_without_the_message_api_every_station_of_a_long_list_reaches_the_user(
    make_client: MakeClient,
) -> None:
    client, rasa = make_client(wechat_app_secret="", wechat_reply_deadline_s=2.0)
    stations = [
        {
            "name": f"杨浦区第{n}知识产权服务站",
            "type": "trademark",
            "address": f"杨浦区国定路{n}号创智天地{n}楼",
            "phone": f"021-6555{n:04d}",
            "hours": "周一至周五 9:00-17:00",
        }
        for n in range(1, 16)
    ]
    parts = {"lead": "以下服务站可以为您办理：", "stations": stations}
    rasa.replies.append([{"text": "以下服务站可以为您办理：", "custom": {"reply": parts}}])
    parts = [content_of(post(client, text_xml("附近有哪些服务站", msg_id=1)))]
    while parts[-1].endswith("回复「继续」查看）"):
        parts.append(content_of(post(client, text_xml("继续", msg_id=100 + len(parts)))))
    assert len(parts) > 1 and all(size(part) <= LIMIT_BYTES for part in parts)
    joined = "\n".join(parts)
    for station in stations:
        assert station["name"] in joined and station["phone"] in joined
