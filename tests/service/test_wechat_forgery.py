"""Forged and replayed webhook traffic: stale or reused signatures, plaintext in safe mode, spent buckets."""

from __future__ import annotations

import logging
import time

import pytest
from fastapi.testclient import TestClient

from service.middleware import install_log_redaction
from service.wechat.errors import ReplayError
from service.wechat.replay import InMemoryNonces, ReplayGuard
from tests.service.test_wechat_crypto import AES_KEY
from tests.service.test_wechat_webhook import (
    MakeClient,
    SlowRasa,
    content_of,
    fake_api,
    make_client,
    post,
    signed,
    store_of,
    text_xml,
    wechat,
)

__all__ = ["fake_api", "make_client", "wechat"]  # fixtures shared with the webhook tests


def test_a_year_old_signed_query_with_another_body_and_openid_is_refused(
    wechat: tuple[TestClient, SlowRasa],
) -> None:
    client, rasa = wechat
    old = str(int(time.time()) - 365 * 86400)
    forged = post(client, text_xml("我要转人工", openid="oVictim"), **signed(timestamp=old, nonce="captured"))
    assert (forged.status_code, forged.json()["detail"]) == (403, "签名校验失败")
    future = str(int(time.time()) + 600)
    assert post(client, text_xml("你好"), **signed(timestamp=future)).status_code == 403
    assert rasa.sent == [] and store_of(client).turns() == []


def test_a_nonce_is_bound_to_its_first_body_while_wechat_retries_still_pass(
    wechat: tuple[TestClient, SlowRasa],
) -> None:
    client, rasa = wechat
    query = signed()
    assert content_of(post(client, text_xml("你好", msg_id=5), **query)) == "你好"
    assert content_of(post(client, text_xml("你好", msg_id=5), **query)) == "你好"  # WeChat's retry
    swapped = post(client, text_xml("转人工", msg_id=6, openid="oVictim"), **query)
    assert swapped.status_code == 403
    assert rasa.sent == [("wechat:oUser1", "你好")]


def test_with_an_aes_key_configured_plaintext_is_refused(make_client: MakeClient) -> None:
    client, rasa = make_client(wechat_encoding_aes_key=AES_KEY)
    response = post(client, text_xml("你好"))
    assert (response.status_code, response.json()["detail"]) == (403, "签名校验失败")
    assert rasa.sent == []


def test_forged_requests_do_not_spend_the_victims_bucket(make_client: MakeClient) -> None:
    client, _ = make_client(rate_sender_per_s=0.01, rate_sender_burst=2)
    for n in range(10):
        forged = post(
            client, text_xml("x", msg_id=900 + n, openid="oVictim"), signature="0" * 40, openid="oVictim"
        )
        assert forged.status_code == 403
    assert content_of(post(client, text_xml("你好", msg_id=1, openid="oVictim"))) == "你好"


def test_over_the_rate_wechat_gets_success_not_429(make_client: MakeClient) -> None:
    client, rasa = make_client(rate_sender_per_s=0.01, rate_sender_burst=1)
    assert content_of(post(client, text_xml("一", msg_id=1)))
    limited = post(client, text_xml("二", msg_id=2))
    assert (limited.status_code, limited.text) == (200, "success")
    assert rasa.sent == [("wechat:oUser1", "一")]


def test_the_same_msg_id_from_another_user_gets_its_own_answer(wechat: tuple[TestClient, SlowRasa]) -> None:
    client, rasa = wechat
    rasa.replies = [[{"text": "给甲的答复"}], [{"text": "给乙的答复"}]]
    assert content_of(post(client, text_xml("甲的问题", msg_id=42, openid="oUserA"))) == "给甲的答复"
    assert content_of(post(client, text_xml("乙的问题", msg_id=42, openid="oUserB"))) == "给乙的答复"


def test_access_log_lines_carry_no_query_string(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction()
    access = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "1.2.3.4:5",
            "POST",
            "/wechat?signature=abc&timestamp=1&nonce=n",
            "1.1",
            200,
        )
    assert caplog.records[-1].getMessage() == '1.2.3.4:5 - "POST /wechat HTTP/1.1" 200'


def test_replay_guard_rules() -> None:
    now = 1_800_000_000.0
    guard = ReplayGuard(InMemoryNonces(), max_skew_s=300, clock=lambda: now)
    guard.check(str(int(now) - 299), "a", b"body")
    guard.check(str(int(now) - 299), "a", b"body")  # same pair, same body: a retry
    for timestamp, nonce, body in [
        (str(int(now) - 301), "b", b"body"),
        (str(int(now) + 301), "c", b"body"),
        ("", "d", b"body"),
        ("12x", "e", b"body"),
        (str(int(now)), "", b"body"),
        (str(int(now) - 299), "a", b"other body"),
    ]:
        with pytest.raises(ReplayError):
            guard.check(timestamp, nonce, body)
