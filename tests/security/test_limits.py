"""Edge limits: 429 per sender and per IP on chat and webhook, 413 for oversized POSTs, all in Chinese."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.deps import get_rasa
from service.main import create_app
from service.middleware import TOO_MANY
from service.settings import Settings
from service.wechat.signature import sign
from tests.service.conftest import ScriptedRasa

MakeClient = Callable[..., TestClient]
TOKEN = "limits-token"


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[MakeClient]:
    stack = ExitStack()

    def make(**overrides: Any) -> TestClient:
        values: dict[str, Any] = {
            "var_dir": tmp_path / "var",
            "index_dir": tmp_path / "index",
            "action_port": 1,
            "wechat_token": TOKEN,
        }
        app = create_app(Settings(**{**values, **overrides}))
        rasa = ScriptedRasa()
        app.dependency_overrides[get_rasa] = lambda: rasa
        return stack.enter_context(TestClient(app))

    yield make
    stack.close()


def chat(client: TestClient, sender: str, ip: str = "") -> Any:
    headers = {"X-Forwarded-For": ip} if ip else {}
    return client.post("/api/chat", json={"sender_id": sender, "message": "你好"}, headers=headers)


def wechat(client: TestClient, openid: str, msg_id: int) -> Any:
    timestamp, nonce = str(int(time.time())), f"n{msg_id}"
    params = {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    xml = (
        f"<xml><ToUserName><![CDATA[gh_ipgp]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[你好]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )
    return client.post("/wechat", params=params, content=xml.encode())


def test_one_sender_is_limited_in_chinese_and_others_are_not(make_client: MakeClient) -> None:
    client = make_client(rate_sender_per_s=0.01, rate_sender_burst=3)
    statuses = [chat(client, "alice").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = chat(client, "alice")
    assert refused.json() == {"detail": TOO_MANY} and refused.headers["retry-after"] == "1"
    assert chat(client, "bob").status_code == 200


def test_one_ip_is_limited_whatever_sender_ids_it_invents(make_client: MakeClient) -> None:
    client = make_client(rate_ip_per_s=0.01, rate_ip_burst=3)
    statuses = [chat(client, f"sender{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_zero_rate_turns_a_limit_off(make_client: MakeClient) -> None:
    client = make_client(rate_sender_per_s=0, rate_ip_per_s=0)
    assert {chat(client, "alice").status_code for _ in range(30)} == {200}


def test_wechat_is_limited_per_openid_and_per_ip(make_client: MakeClient) -> None:
    client = make_client(
        rate_sender_per_s=0.01, rate_sender_burst=2, rate_wechat_ip_burst=5, rate_wechat_ip_per_s=0.01
    )
    # Over a limit WeChat gets 200 `success` (a 429 would make it retry and show the user an error).
    first = [wechat(client, "oUserA", 100 + n).text for n in range(3)]
    assert [text == "success" for text in first] == [False, False, True]
    # Other users share WeChat's server IP: its own, larger, bucket runs out after 5 requests.
    others = [wechat(client, f"oUser{n}", 200 + n).text for n in range(3)]
    assert [text == "success" for text in others] == [False, False, True]


def test_chat_limits_do_not_touch_other_routes(make_client: MakeClient) -> None:
    client = make_client(rate_sender_per_s=0.01, rate_sender_burst=1, rate_ip_per_s=0.01, rate_ip_burst=1)
    assert chat(client, "alice").status_code == 200
    assert chat(client, "alice").status_code == 429
    assert client.get("/healthz").status_code in (200, 503)
    feedback = {"sender_id": "alice", "rating": "up", "turn_id": "0" * 32}  # an unknown turn: 404, not 429
    assert [client.post("/api/feedback", json=feedback).status_code for _ in range(3)] == [404] * 3


def test_oversized_posts_are_refused_with_413_before_the_app_reads_them(make_client: MakeClient) -> None:
    client = make_client(max_body_bytes=2048)
    big = {"sender_id": "alice", "message": "长" * 1000, "pad": "x" * 4000}
    declared = client.post("/api/chat", json=big)
    assert declared.status_code == 413
    assert declared.json()["detail"] == "请求内容过大（上限2048字节），请精简后再试。"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
        yield b'{"sender_id": "alice", "message": "'
        for _ in range(10):
            yield b"a" * 500
        yield b'"}'

    assert client.post("/api/chat", content=chunks()).status_code == 413
    assert client.post("/api/feedback", content=b"{" + b" " * 3000 + b"}").status_code == 413
    assert client.post("/api/chat", json={"sender_id": "alice", "message": "你好"}).status_code == 200


def test_only_the_upload_route_has_the_large_limit(make_client: MakeClient) -> None:
    client = make_client(max_body_bytes=1024, max_admin_body_bytes=2048, max_upload_body_bytes=8192)
    json_headers = {"Content-Type": "application/json"}
    # Between the public and the admin limit: the login is read with the public limit (1024)
    login = client.post("/admin/api/login", content=b"x" * 1500, headers=json_headers)
    assert login.status_code == 413
    assert login.json()["detail"] == "请求内容过大（上限1024字节），请精简后再试。"
    entry = client.post("/admin/api/faq", content=b"x" * 4096, headers=json_headers)
    assert entry.status_code == 413
    medium = client.post("/admin/api/documents/upload", content=b"x" * 4096, headers=json_headers)
    assert medium.status_code != 413
    large = client.post("/admin/api/documents/upload", content=b"x" * 9000, headers=json_headers)
    assert large.status_code == 413


def test_the_staff_login_is_rate_limited_per_ip(make_client: MakeClient) -> None:
    client = make_client(rate_login_per_s=0.01, rate_login_burst=2)
    wrong = {"username": "nobody", "password": "wrong-password"}
    answers = [client.post("/admin/api/login", json=wrong) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [401, 401, 429]
    assert answers[-1].json() == {"detail": TOO_MANY} and answers[-1].headers["retry-after"] == "1"


def test_an_oversized_webhook_body_gets_wechats_400_not_413(make_client: MakeClient) -> None:
    client = make_client(max_body_bytes=8192, wechat_max_body_bytes=4096)
    timestamp, nonce = str(int(time.time())), "n1"
    params = {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    for size in (5000, 9000):  # over the webhook's limit; below and over the edge limit
        response = client.post("/wechat", params=params, content=b"<xml>" + b"a" * size + b"</xml>")
        assert (response.status_code, response.json()) == (400, {"detail": "消息格式不正确"})
