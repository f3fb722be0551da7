"""Signatures, safe-mode crypto and XML parsing, checked against literal known values."""

from __future__ import annotations

import pytest
from wechatpy.crypto import WeChatCrypto

from service.wechat.crypto import MessageCrypto
from service.wechat.errors import BadMessageError, NotConfiguredError, SignatureError
from service.wechat.parse import encrypted_part, parse
from service.wechat.signature import sign, verify, verify_url

TOKEN = "ipgp-test-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx0123456789abcdef"
TIMESTAMP = "1700000000"
NONCE = "nonce42"
# sha1("".join(sorted([TOKEN, TIMESTAMP, NONCE]))), computed once outside the code under test.
URL_SIGNATURE = "0727d0e694c76f4203ea7b5a07c4a02876c201d9"
# A safe-mode body as WeChat sends it, encrypted once with wechatpy for TOKEN / AES_KEY / APP_ID.
ENCRYPTED = (
    "NHUJACUgWEnQDZCOMPV28WwNdwCQNmu00eXXwQobY4OHFD4zEXFbmDLKc2NVRPcTGaQAEj3BYL7jx6Lrh1EtFSII9/sQgDgpNR4y"
    "W9J44hwv35a9aUgCT2nzSDU0O6+vBKVQdhKdsHM9ewweFaXcbyBJdRZB2byrzAX0QL3WMkf4OWf3NbsHpvTSzrxCyIZ0Otxppf"
    "wY8rks69xgw8Bt6RWpNjVT2+RawFrRmcnA6mIkxvKksCjMhrnvCWSVRjh/lzoejnuDPvUC2HiVOQnwahekBpGl+MU+pGamQ4N2"
    "RAG8iUz+XoQfiN5Ejea3diwUZXSYKvOdntaFe6c1uqbhqr3TEyXvnHYzZNAnxqX2PePJ9R5gP35p8rK1S/9nppdmqgoQavbYiH"
    "I9lbCxFTeKov3YC791V0iPsmNLB0yqTMk="
)
MSG_SIGNATURE = "35a06a7b589ec35fbb7c093b75525c3dabe3192e"
INNER_XML = (
    "<xml><ToUserName><![CDATA[gh_ipgp]]></ToUserName><FromUserName><![CDATA[oUser_AES_1]]></FromUserName>"
    "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[专利资助怎么申请]]></Content><MsgId>7000000000000000001</MsgId></xml>"
)
ENVELOPE = (
    f"<xml><ToUserName><![CDATA[gh_ipgp]]></ToUserName><Encrypt><![CDATA[{ENCRYPTED}]]></Encrypt></xml>"
)


def test_url_signature_matches_the_known_value() -> None:
    assert sign(TOKEN, TIMESTAMP, NONCE) == URL_SIGNATURE
    verify_url(TOKEN, URL_SIGNATURE, TIMESTAMP, NONCE)
    verify_url(TOKEN, URL_SIGNATURE.upper(), TIMESTAMP, NONCE)


@pytest.mark.parametrize(
    ("signature", "timestamp", "nonce"),
    [
        (URL_SIGNATURE[:-1] + "0", TIMESTAMP, NONCE),
        (URL_SIGNATURE, "1700000001", NONCE),
        (URL_SIGNATURE, TIMESTAMP, "other"),
        ("", TIMESTAMP, NONCE),
        ("签名", TIMESTAMP, NONCE),
    ],
)
def test_wrong_url_signatures_are_refused(signature: str, timestamp: str, nonce: str) -> None:
    with pytest.raises(SignatureError):
        verify_url(TOKEN, signature, timestamp, nonce)


def test_msg_signature_covers_the_ciphertext() -> None:
    verify(MSG_SIGNATURE, TOKEN, TIMESTAMP, NONCE, ENCRYPTED)
    with pytest.raises(SignatureError):
        verify(MSG_SIGNATURE, TOKEN, TIMESTAMP, NONCE, ENCRYPTED[:-2] + "A=")


def test_known_ciphertext_decrypts_to_the_known_message() -> None:
    crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    xml = crypto.decrypt(encrypted_part(ENVELOPE.encode()), MSG_SIGNATURE, TIMESTAMP, NONCE)
    assert xml == INNER_XML
    message = parse(xml)
    assert (message.kind, message.openid, message.content) == ("text", "oUser_AES_1", "专利资助怎么申请")
    assert message.dedup_key == "msg:oUser_AES_1:7000000000000000001"


def test_bad_msg_signature_is_refused_before_decrypting() -> None:
    crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    with pytest.raises(SignatureError):
        crypto.decrypt(ENCRYPTED, "0" * 40, TIMESTAMP, NONCE)


def test_ciphertext_for_another_app_or_garbage_is_a_bad_message() -> None:
    other = WeChatCrypto(TOKEN, AES_KEY, "wxffffffffffffffff").encrypt_message(INNER_XML, NONCE, TIMESTAMP)
    other_encrypted = encrypted_part(other.encode())
    crypto = MessageCrypto(TOKEN, AES_KEY, APP_ID)
    with pytest.raises(BadMessageError):
        crypto.decrypt(other_encrypted, sign(TOKEN, TIMESTAMP, NONCE, other_encrypted), TIMESTAMP, NONCE)
    for garbage in ("bm90IGNpcGhlcnRleHQ=", "%%%", "QUFB"):
        with pytest.raises(BadMessageError):
            crypto.decrypt(garbage, sign(TOKEN, TIMESTAMP, NONCE, garbage), TIMESTAMP, NONCE)


def test_encrypted_reply_decrypts_with_wechatpy() -> None:
    reply = MessageCrypto(TOKEN, AES_KEY, APP_ID).encrypt(
        "<xml><Content>好</Content></xml>", NONCE, TIMESTAMP
    )
    wechat_side = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    signature = reply.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    assert (
        wechat_side.decrypt_message(reply, signature, TIMESTAMP, NONCE) == "<xml><Content>好</Content></xml>"
    )


def test_misconfigured_keys_are_named_errors() -> None:
    with pytest.raises(NotConfiguredError):
        MessageCrypto(TOKEN, "short", APP_ID)
    with pytest.raises(NotConfiguredError):
        MessageCrypto(TOKEN, AES_KEY, "")


TEXT = (
    "<xml><ToUserName><![CDATA[gh_ipgp]]></ToUserName><FromUserName><![CDATA[oUser1]]></FromUserName>"
    "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>{extra}</xml>"
)


def test_message_kinds() -> None:
    text = parse(TEXT.format(kind="text", extra="<Content><![CDATA[你好]]></Content><MsgId>42</MsgId>"))
    assert (text.kind, text.content, text.msg_id, text.dedup_key) == ("text", "你好", 42, "msg:oUser1:42")
    for kind in ("image", "voice", "video", "location", "link", "miniprogrampage", "hologram"):
        assert parse(TEXT.format(kind=kind, extra="<MsgId>43</MsgId>")).kind == "unsupported"
    subscribe = parse(TEXT.format(kind="event", extra="<Event><![CDATA[subscribe]]></Event>"))
    assert (subscribe.kind, subscribe.dedup_key) == ("subscribe", "event:oUser1:1700000000")
    scan = parse(TEXT.format(kind="event", extra="<Event>subscribe</Event><EventKey>qrscene_7</EventKey>"))
    assert scan.kind == "subscribe"
    assert parse(TEXT.format(kind="event", extra="<Event>unsubscribe</Event>")).kind == "event"


HOSTILE = [
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    "<xml><Content>&lol2;</Content></xml>",
    '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>',
    '<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/evil.dtd"><xml><Content>x</Content></xml>',
    "<xml><Content>&undeclared;</Content></xml>",
    "<xml><Content>unclosed</xml>",
    "not xml at all",
    "",
    "<html><body>hi</body></html>",
    "<xml><FromUserName><a>nested</a></FromUserName></xml>",
    TEXT.format(kind="text", extra="<Content>x</Content><MsgId>not-a-number</MsgId>"),
    TEXT.replace("<![CDATA[oUser1]]>", "o]]&gt;&lt;evil/&gt;").format(kind="text", extra="<MsgId>1</MsgId>"),
]


@pytest.mark.parametrize("body", HOSTILE)
def test_malformed_or_hostile_xml_is_refused(body: str) -> None:
    with pytest.raises(BadMessageError):
        parse(body)


def test_envelope_without_encrypt_is_refused() -> None:
    with pytest.raises(BadMessageError):
        encrypted_part(b"<xml><ToUserName>gh</ToUserName></xml>")
