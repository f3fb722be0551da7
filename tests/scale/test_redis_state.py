"""WeChat state in Redis shared by gateways: answered once, takeover, once-only flags, token, options."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import xmltodict
from fastapi.testclient import TestClient

from service.deps import get_rasa
from service.main import create_app
from service.redis_connections import RedisConnections
from service.schemas import Button
from service.settings import Settings
from service.wechat.dedup import Answer
from service.wechat.dedup_redis import RedisDeduplicator
from service.wechat.options_redis import RedisOptions
from service.wechat.signature import sign
from service.wechat.token_redis import RedisTokenApi
from tests.scale.conftest import REDIS_URL
from tests.service.test_wechat_api import APP_ID, APP_SECRET, FakeWeChat
from tests.service.test_wechat_webhook import SlowRasa

pytestmark = pytest.mark.scale

DOWN_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def connections(prefix: str, url: str = REDIS_URL) -> RedisConnections:
    return RedisConnections.from_url(url, prefix, timeout_s=0.5)


def test_two_gateways_answer_a_message_once_and_share_the_answer(redis_prefix: str) -> None:
    calls: list[str] = []

    def work(gateway: str) -> Any:
        async def run() -> Answer:
            calls.append(gateway)
            await asyncio.sleep(0.3)
            return ("答复一", "答复二")

        return run

    async def main() -> None:
        first, second = connections(redis_prefix), connections(redis_prefix)
        gateway_a = RedisDeduplicator(first, ttl_s=60)
        gateway_b = RedisDeduplicator(second, ttl_s=60)
        flight_a, started_a = gateway_a.start("msg:1", work("a"))
        await asyncio.sleep(0.05)  # the retry reaches the other gateway while the first is answering
        flight_b, _ = gateway_b.start("msg:1", work("b"))
        retry_a, started_again = gateway_a.start("msg:1", work("a"))  # same gateway: the same flight
        assert started_a and not started_again and retry_a is flight_a
        assert await flight_b.wait(0.1) is None  # still being answered by gateway a
        answers = await asyncio.gather(flight_a.wait(2.0), flight_b.wait(2.0))
        assert answers == [("答复一", "答复二")] * 2
        late, _ = RedisDeduplicator(connections(redis_prefix), ttl_s=60).start("msg:1", work("c"))
        assert await late.wait(1.0) == ("答复一", "答复二")
        await first.aclose()
        await second.aclose()

    asyncio.run(main())
    assert calls == ["a"]


def test_a_retry_takes_over_when_the_answering_gateway_died(redis_prefix: str) -> None:
    async def main() -> None:
        shared = connections(redis_prefix)
        dedup = RedisDeduplicator(shared, ttl_s=60, claim_ttl_s=0.3)
        # A gateway claimed the message and died: its claim is there but no answer ever comes.
        await shared.aio.set(f"{redis_prefix}:wechat:dedup:msg:2:claim", "dead-gateway", px=300)

        async def work() -> Answer:
            return ("接手后的答复",)

        flight, _ = dedup.start("msg:2", work)
        assert await flight.wait(0.1) is None
        assert await flight.wait(2.0) == ("接手后的答复",)
        await shared.aclose()

    asyncio.run(main())


def test_defer_and_overflow_are_claimed_once_across_gateways(redis_prefix: str) -> None:
    async def work() -> Answer:
        return ("a", "b")

    async def main() -> None:
        first, second = connections(redis_prefix), connections(redis_prefix)
        flight_a, _ = RedisDeduplicator(first, ttl_s=60).start("msg:3", work)
        flight_b, _ = RedisDeduplicator(second, ttl_s=60).start("msg:3", work)
        await asyncio.gather(flight_a.result(), flight_b.result())
        assert not flight_a.deferred and not flight_b.deferred
        assert [flight_a.defer(), flight_b.defer(), flight_a.defer()] == [True, False, False]
        assert flight_b.deferred
        assert [flight_b.claim_overflow(), flight_a.claim_overflow()] == [True, False]
        await first.aclose()
        await second.aclose()

    asyncio.run(main())


def test_with_redis_down_each_gateway_still_answers(redis_prefix: str) -> None:
    calls: list[int] = []

    async def work() -> Answer:
        calls.append(1)
        return ("照常答复",)

    async def main() -> None:
        down = connections(redis_prefix, DOWN_URL)
        dedup = RedisDeduplicator(down, ttl_s=60)
        flight, _ = dedup.start("msg:4", work)
        again, _ = dedup.start("msg:4", work)
        assert await flight.wait(3.0) == ("照常答复",) == await again.wait(3.0)
        assert [flight.defer(), flight.defer()] == [True, False]
        assert flight.deferred
        await down.aclose()

    asyncio.run(main())
    assert calls == [1]


def test_gateways_share_one_access_token_and_one_refresh(redis_prefix: str) -> None:
    async def main(fake: FakeWeChat) -> None:
        shared = [connections(redis_prefix) for _ in range(3)]
        async with httpx.AsyncClient(timeout=5.0) as http:
            apis = [RedisTokenApi(fake.url, APP_ID, APP_SECRET, http, one) for one in shared]
            tokens = await asyncio.gather(*(api.access_token() for api in apis for _ in range(3)))
            assert set(tokens) == {"TOKEN1"} and len(fake.token_requests) == 1
            # WeChat refused TOKEN1 at two gateways at once: one refresh, both use the new token.
            renewed = await asyncio.gather(*(api.access_token(rejected="TOKEN1") for api in apis[:2]))
            assert renewed == ["TOKEN2", "TOKEN2"] and len(fake.token_requests) == 2
            assert await apis[2].access_token() == "TOKEN2"
        for one in shared:
            await one.aclose()

    with FakeWeChat() as fake:
        asyncio.run(main(fake))


def test_numbered_options_answer_a_digit_at_any_gateway(redis_prefix: str) -> None:
    first, second = connections(redis_prefix), connections(redis_prefix)
    options = [Button(title="专利资助", payload="/ask_subsidy"), Button(title="商标注册", payload="")]
    RedisOptions(first, ttl_s=60).remember("oUser1", options)
    elsewhere = RedisOptions(second, ttl_s=60)
    assert elsewhere.resolve("oUser1", "1") == "/ask_subsidy"
    assert elsewhere.resolve("oUser1", "２。") == "商标注册"  # full-width digit, title when no payload
    assert elsewhere.resolve("oUser1", "3") == "3"
    assert elsewhere.resolve("oOther", "1") == "1"
    elsewhere.remember("oUser1", [])
    assert RedisOptions(first, ttl_s=60).resolve("oUser1", "1") == "1"
    assert RedisOptions(connections(redis_prefix, DOWN_URL), ttl_s=60).resolve("oUser1", "1") == "1"


# ---- Through the webhook: two gateway apps, one Redis -------------------------------------------

TOKEN = "scale-token"


@contextmanager
def gateways_sharing_redis(
    tmp_path: Path, redis_prefix: str, rasa: SlowRasa, **settings: Any
) -> Iterator[list[TestClient]]:
    """Two gateway apps (a, b) on one Redis prefix and one scripted Rasa."""
    clients = []
    for name in ("a", "b"):
        app = create_app(
            Settings(
                var_dir=tmp_path / name,
                index_dir=tmp_path / "index",
                action_port=1,
                wechat_token=TOKEN,
                redis_url=REDIS_URL,
                redis_prefix=redis_prefix,
                **settings,
            )
        )
        app.dependency_overrides[get_rasa] = lambda: rasa
        clients.append(TestClient(app).__enter__())
    try:
        yield clients
    finally:
        for client in clients:
            client.__exit__(None, None, None)


@pytest.fixture
def two_gateways(tmp_path: Path, redis_prefix: str) -> Iterator[tuple[list[TestClient], SlowRasa]]:
    rasa = SlowRasa()
    rasa.delay_s = 0.5
    with gateways_sharing_redis(tmp_path, redis_prefix, rasa) as clients:
        yield clients, rasa


def post_text(
    client: TestClient, msg_id: int, content: str, openid: str = "oScale1", timestamp: str = ""
) -> Any:
    """A signed plaintext message; the nonce follows the MsgId (WeChat's retries of a message share it)."""
    timestamp, nonce = timestamp or str(int(time.time())), f"n{msg_id}"
    xml = (
        f"<xml><ToUserName><![CDATA[gh_ipgp]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )
    params = {"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    return client.post("/wechat", params={**params, "openid": openid}, content=xml.encode())


def test_a_message_retried_at_another_gateway_reaches_rasa_once(
    two_gateways: tuple[list[TestClient], SlowRasa],
) -> None:
    clients, rasa = two_gateways
    rasa.replies = [[{"text": "第一次的答复"}], [{"text": "不应出现的第二次答复"}]]
    with ThreadPoolExecutor(4) as pool:
        attempts = [pool.submit(post_text, clients[i % 2], 9001, "专利资助怎么申请？") for i in range(4)]
        responses = [attempt.result() for attempt in attempts]
    contents = {xmltodict.parse(response.text)["xml"]["Content"] for response in responses}
    assert contents == {"第一次的答复"}
    assert rasa.sent == [("wechat:oScale1", "专利资助怎么申请？")]


def test_a_signed_nonce_replayed_at_another_gateway_with_another_body_is_refused(
    two_gateways: tuple[list[TestClient], SlowRasa],
) -> None:
    (first, second), rasa = two_gateways
    rasa.delay_s = 0
    timestamp = str(int(time.time()))
    assert post_text(first, 9100, "专利资助怎么申请？", timestamp=timestamp).status_code == 200
    forged = post_text(second, 9100, "我要转人工", openid="oVictim", timestamp=timestamp)
    assert forged.status_code == 403
    assert rasa.sent == [("wechat:oScale1", "专利资助怎么申请？")]
