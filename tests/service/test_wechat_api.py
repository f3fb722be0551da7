"""Customer-service message API client against a fake WeChat API on 127.0.0.1: token cache, errors."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from service.wechat.api import CustomerServiceApi
from service.wechat.errors import WeChatApiError, WeChatApiUnavailableError

APP_ID = "wx0123456789abcdef"
APP_SECRET = "test-app-secret"


class FakeWeChat:
    """The two WeChat endpoints the gateway uses, recording every call; runs in a thread."""

    def __init__(self) -> None:
        self.token_requests: list[dict[str, list[str]]] = []
        self.sent: list[tuple[str, dict[str, Any]]] = []  # (access_token, JSON body)
        self.raw_bodies: list[bytes] = []
        self.send_errors: list[int] = []  # errcodes answered to the next sends, in order
        self.token_error = 0
        self.expires_in = 7200
        self.current_token = ""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> FakeWeChat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for_sent(self, count: int, timeout_s: float = 5.0) -> list[str]:
        """Contents of the first `count` messages, once they arrived."""
        deadline = time.monotonic() + timeout_s
        while len(self.sent) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.sent) >= count, f"expected {count} messages, got {len(self.sent)}"
        return [body["text"]["content"] for _, body in self.sent]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                if url.path != "/cgi-bin/token":
                    return self._json(404, {"errcode": 404})
                fake.token_requests.append(query)
                if fake.token_error:
                    return self._json(200, {"errcode": fake.token_error, "errmsg": "invalid appsecret"})
                if query.get("appid") != [APP_ID] or query.get("secret") != [APP_SECRET]:
                    return self._json(200, {"errcode": 40013, "errmsg": "invalid appid"})
                fake.current_token = f"TOKEN{len(fake.token_requests)}"
                return self._json(200, {"access_token": fake.current_token, "expires_in": fake.expires_in})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                token = parse_qs(url.query).get("access_token", [""])[0]
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                if url.path != "/cgi-bin/message/custom/send":
                    return self._json(404, {"errcode": 404})
                if fake.send_errors:
                    code = fake.send_errors.pop(0)
                    return self._json(200, {"errcode": code, "errmsg": f"error {code}"})
                if token != fake.current_token:
                    return self._json(200, {"errcode": 40001, "errmsg": "invalid credential"})
                fake.raw_bodies.append(raw)
                fake.sent.append((token, json.loads(raw)))
                return self._json(200, {"errcode": 0, "errmsg": "ok"})

            def _json(self, status: int, data: dict[str, Any]) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> Iterator[FakeWeChat]:
    with FakeWeChat() as server:
        yield server


def run(fake: FakeWeChat, clock: Clock, *steps: tuple[str, str]) -> None:
    async def main() -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            api = CustomerServiceApi(fake.url, APP_ID, APP_SECRET, client, clock=clock)
            for openid, content in steps:
                await api.send_text(openid, content)

    asyncio.run(main())


def test_token_is_fetched_once_and_reused_until_it_expires(fake: FakeWeChat) -> None:
    clock = Clock()
    fake.expires_in = 7200

    async def main() -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            api = CustomerServiceApi(fake.url, APP_ID, APP_SECRET, client, clock=clock)
            await asyncio.gather(*(api.send_text("oUser1", f"第{n}条") for n in range(5)))
            assert len(fake.token_requests) == 1
            clock.now += 7200 - 400  # still valid (refreshed 5 minutes before WeChat's expiry)
            await api.send_text("oUser1", "仍用旧令牌")
            assert len(fake.token_requests) == 1
            clock.now += 200  # inside the safety margin: refresh
            await api.send_text("oUser1", "新令牌")
            assert len(fake.token_requests) == 2

    asyncio.run(main())
    assert [token for token, _ in fake.sent] == ["TOKEN1"] * 6 + ["TOKEN2"]
    assert fake.token_requests[0] == {
        "grant_type": ["client_credential"],
        "appid": [APP_ID],
        "secret": [APP_SECRET],
    }


def test_message_body_is_utf8_json_in_wechat_shape(fake: FakeWeChat) -> None:
    run(fake, Clock(), ("oUser1", "知识产权质押贷款\n来源：《方案》"))
    assert fake.sent[0][1] == {
        "touser": "oUser1",
        "msgtype": "text",
        "text": {"content": "知识产权质押贷款\n来源：《方案》"},
    }
    assert "知识产权".encode() in fake.raw_bodies[0]  # real UTF-8, not \\u escapes


def test_a_rejected_token_is_refreshed_once_and_the_send_retried(fake: FakeWeChat) -> None:
    fake.send_errors = [42001]  # access_token expired
    run(fake, Clock(), ("oUser1", "你好"))
    assert len(fake.token_requests) == 2
    assert fake.sent == [("TOKEN2", {"touser": "oUser1", "msgtype": "text", "text": {"content": "你好"}})]


def test_other_errors_carry_wechats_errcode(fake: FakeWeChat) -> None:
    fake.send_errors = [45015]  # reply time limit exceeded
    with pytest.raises(WeChatApiError) as raised:
        run(fake, Clock(), ("oUser1", "你好"))
    assert raised.value.errcode == 45015
    assert fake.sent == []


def test_token_errors_carry_wechats_errcode(fake: FakeWeChat) -> None:
    fake.token_error = 40125
    with pytest.raises(WeChatApiError) as raised:
        run(fake, Clock(), ("oUser1", "你好"))
    assert raised.value.errcode == 40125


def test_unreachable_api_is_a_named_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main() -> None:
        async with httpx.AsyncClient(timeout=2) as client:
            api = CustomerServiceApi(f"http://127.0.0.1:{port}", APP_ID, APP_SECRET, client)
            await api.send_text("oUser1", "你好")

    with pytest.raises(WeChatApiUnavailableError):
        asyncio.run(main())
