"""Hostile XML against the WeChat parser and webhook (hypothesis): a typed message or a 400, nothing else."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.deps import get_rasa
from service.main import create_app
from service.settings import Settings
from service.wechat.errors import BadMessageError
from service.wechat.parse import _ID, Incoming, parse
from service.wechat.signature import sign
from tests.security.conftest import EchoRasa

TOKEN = "xml-fuzz-token"
FIELDS = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event", "Encrypt"]
HOSTILE_PROLOGUES = [
    "",
    '<?xml version="1.0" encoding="utf-8"?>',
    '<?xml version="1.0" encoding="utf-16"?>',
    '<?xml version="1.0" encoding="gbk"?>',
    "\ufeff",
    '<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
    '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]>',
    '<!DOCTYPE xml SYSTEM "http://127.0.0.1:1/evil.dtd">',
    '<?xml-stylesheet href="http://127.0.0.1:1/x.xsl"?>',
]
HOSTILE_VALUES = [
    "&c;",
    "&x;",
    "&undeclared;",
    "<![CDATA[ok]]>",
    "<![CDATA[]]]]><![CDATA[>]]>",
    "<Nested><Deeper>1</Deeper></Nested>",
    '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>',
    "text",
    "oUser_1-ok",
    "1700000000",
    "99999999999999999999999",
    "\x00",
    "\x1b[31m",
    "<" * 50,
    "&#0;",
    "&#x110000;",
    "<a>" * 2000 + "</a>" * 2000,
]

values = st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=80))
legal_text = st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=80)
elements = st.tuples(st.sampled_from(FIELDS), values).map(lambda pair: f"<{pair[0]}>{pair[1]}</{pair[0]}>")
documents = st.builds(
    lambda prologue, root, parts: f"{prologue}<{root}>{''.join(parts)}</{root}>".encode(
        "utf-8", "surrogatepass"
    ),
    st.sampled_from(HOSTILE_PROLOGUES),
    st.sampled_from(["xml", "xml", "xml", "XML", "root", "xml xmlns='urn:x'"]),
    st.lists(elements, max_size=8),
)
truncated = documents.flatmap(lambda body: st.integers(0, len(body)).map(lambda cut: body[:cut]))
VALID = {
    "ToUserName": "gh_ipgp",
    "FromUserName": "oUser1",
    "CreateTime": "1700000000",
    "MsgType": "text",
    "Content": "你好",
    "MsgId": "1234567890123456",
}
KINDS = ["text", "event", "image", "voice", "video", "location", "link", "miniprogrampage", "", "TEXT"]
EVENTS = ["subscribe", "unsubscribe", "SCAN", "CLICK", "VIEW", "LOCATION", ""]


def _field(name: str, value: str, cdata: bool) -> str:
    inner = f"<![CDATA[{value}]]>" if cdata else escape(value)
    return f"<{name}>{inner}</{name}>"


# Mostly well-formed messages with some fields missing, repeated or replaced by hostile values, so
# the checks after parsing (ids, numbers, types, events) are explored too.
messages = st.builds(
    lambda fields, extra, cdata: (
        f"<xml>{''.join(_field(n, v, cdata) for n, v in fields + extra)}</xml>".encode()
    ),
    st.fixed_dictionaries(
        {
            name: st.one_of(st.just(value), st.just(value), st.just(value), legal_text, values)
            if name not in ("MsgType",)
            else st.sampled_from(KINDS)
            for name, value in VALID.items()
        }
    ).flatmap(
        lambda chosen: st.sets(st.sampled_from(list(chosen))).map(
            lambda dropped: [
                (name, value) for name, value in chosen.items() if name not in dropped or len(dropped) > 3
            ]
        )
    ),
    st.lists(
        st.tuples(
            st.sampled_from(["Event", "Content", "MsgId", "PicUrl", "Encrypt"]),
            st.one_of(st.sampled_from(EVENTS), values),
        ),
        max_size=2,
    ),
    st.booleans(),
)
bodies = st.one_of(messages, messages, documents, truncated, st.binary(max_size=600))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(body=bodies)
def test_the_parser_returns_a_message_or_refuses_it(body: bytes) -> None:
    try:
        incoming = parse(body)
    except BadMessageError:
        return
    assert isinstance(incoming, Incoming)
    assert _ID.match(incoming.openid) and _ID.match(incoming.account)
    assert isinstance(incoming.content, str) and "&c;" not in incoming.content
    assert "root:" not in incoming.content  # no file was ever read into a message


def _client(tmp: Path, **extra: str) -> TestClient:
    config = Settings(
        var_dir=tmp / "var",
        index_dir=tmp / "index",
        action_port=1,
        wechat_token=TOKEN,
        wechat_app_id="wxfuzz0000000000",
        rate_sender_per_s=0,
        rate_wechat_ip_per_s=0,
        **extra,
    )
    app = create_app(config)
    app.dependency_overrides[get_rasa] = EchoRasa
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Plaintext mode (no EncodingAESKey)."""
    with _client(tmp_path_factory.mktemp("xml-fuzz")) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def safe_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Safe mode: an EncodingAESKey is configured, so only signed ciphertext is accepted."""
    key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    with _client(tmp_path_factory.mktemp("xml-fuzz-aes"), wechat_encoding_aes_key=key) as test_client:
        yield test_client


def signed(extra: dict[str, str] | None = None) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
    return {
        "signature": sign(TOKEN, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        **(extra or {}),
    }


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(body=bodies, aes=st.booleans())
def test_the_webhook_answers_200_or_400_never_a_crash(
    client: TestClient, safe_client: TestClient, body: bytes, aes: bool
) -> None:
    params = signed({"encrypt_type": "aes", "msg_signature": "0" * 40} if aes else None)
    response: Any = (safe_client if aes else client).post("/wechat", params=params, content=body)
    allowed = (400, 403) if aes else (200, 400)  # safe mode: a forged msg_signature is refused with 403
    assert response.status_code in allowed, (response.status_code, response.text[:200])
    if response.status_code == 400:
        assert response.json() == {"detail": "消息格式不正确"}
    assert "Traceback" not in response.text


def test_a_correct_message_still_gets_an_answer(client: TestClient) -> None:
    body = (
        "<xml><ToUserName><![CDATA[gh_ipgp]]></ToUserName><FromUserName><![CDATA[oFuzz1]]></FromUserName>"
        "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[你好]]></Content><MsgId>77</MsgId></xml>"
    )
    response = client.post("/wechat", params=signed(), content=body.encode())
    assert response.status_code == 200 and "您问的是：你好" in response.text
