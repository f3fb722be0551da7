"""Held WeChat answers (no customer-service API) in Redis: the user's next message may reach any gateway."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import xmltodict
from fastapi.testclient import TestClient

from service.wechat import text
from service.wechat.dedup import Answer, LocalFlight
from service.wechat.held_redis import RedisHeldReplies
from tests.scale.conftest import REDIS_URL
from tests.scale.test_redis_state import gateways_sharing_redis, post_text
from tests.service.test_wechat_webhook import SlowRasa

pytestmark = pytest.mark.scale

DOWN_URL = "redis://127.0.0.1:1/0"
OPENID = "oScale1"  # the sender of post_text


def held(prefix: str, url: str = REDIS_URL) -> RedisHeldReplies:
    return RedisHeldReplies(redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5), prefix)


def flight_answering(answer: Answer, after_s: float) -> LocalFlight:
    async def work() -> Answer:
        await asyncio.sleep(after_s)
        return answer

    return LocalFlight(asyncio.ensure_future(work()))


def test_parts_of_a_long_answer_continue_at_another_gateway(redis_prefix: str) -> None:
    first, second = held(redis_prefix), held(redis_prefix)
    first.keep_more(OPENID, ["第二段", "第三段"])
    assert second.next_part(OPENID) == ("第二段", 1)
    assert first.next_part(OPENID) == ("第三段", 0)
    assert second.next_part(OPENID) is None
    first.keep_more(OPENID, ["旧答案的下一段"])
    second.drop_more(OPENID)  # a new question at the other gateway: the old parts are not wanted
    assert first.next_part(OPENID) is None


def test_a_late_answer_is_given_once_by_whichever_gateway_comes_next(redis_prefix: str) -> None:
    async def main() -> None:
        first, second = held(redis_prefix), held(redis_prefix)
        first.keep_late(OPENID, flight_answering(("迟到的答复",), after_s=0.2))
        assert await second.take_late(OPENID) is None  # still running: it stays held
        await asyncio.sleep(0.4)
        assert await second.take_late(OPENID) == ("迟到的答复",)
        assert await first.take_late(OPENID) is None  # taken once

    asyncio.run(main())


def test_the_same_message_again_is_not_also_given_as_a_late_answer(redis_prefix: str) -> None:
    async def main() -> None:
        first, second = held(redis_prefix), held(redis_prefix)
        flight = flight_answering(("答复",), after_s=0.1)
        first.keep_late(OPENID, flight)
        assert await first.take_late(OPENID, current=flight) is None  # WeChat's retry at the same gateway
        await asyncio.sleep(0.3)
        assert await second.take_late(OPENID) is None

        elsewhere = flight_answering(("另一个答复",), after_s=0.0)
        first.keep_late(OPENID, elsewhere)
        await asyncio.sleep(0.1)
        retry = flight_answering(("另一个答复",), after_s=0.0)  # the retry's answer at another gateway
        await retry.result()
        assert await second.take_late(OPENID, current=retry) is None

    asyncio.run(main())


def test_held_keys_have_the_prefix_and_expire(redis_prefix: str) -> None:
    async def main() -> None:
        first = held(redis_prefix)
        first.keep_more(OPENID, ["下一段"])
        first.keep_late(OPENID, flight_answering(("答复",), after_s=0.0))
        await asyncio.sleep(0.1)

    asyncio.run(main())
    client = redis.Redis.from_url(REDIS_URL)
    keys = sorted(key.decode() for key in client.scan_iter(f"{redis_prefix}:*"))
    assert keys == [f"{redis_prefix}:wechat:held:{OPENID}:late", f"{redis_prefix}:wechat:held:{OPENID}:more"]
    assert all(0 < client.pttl(key) <= 6 * 3600 * 1000 for key in keys)


def test_with_redis_down_answers_are_held_in_this_gateway(redis_prefix: str) -> None:
    async def main() -> None:
        down = held(redis_prefix, DOWN_URL)
        down.keep_more(OPENID, ["第二段"])
        assert down.next_part(OPENID) == ("第二段", 0)
        down.keep_late(OPENID, flight_answering(("迟到的答复",), after_s=0.0))
        await asyncio.sleep(0.05)
        assert await down.take_late(OPENID) == ("迟到的答复",)

    asyncio.run(main())


# ---- Through the webhook: two gateways without the customer-service API ---------------------------


@pytest.fixture
def two_gateways(tmp_path: Path, redis_prefix: str) -> Iterator[tuple[list[TestClient], SlowRasa]]:
    rasa = SlowRasa()
    with gateways_sharing_redis(tmp_path, redis_prefix, rasa, wechat_reply_deadline_s=0.3) as clients:
        yield clients, rasa


def content(response: Any) -> str:
    assert response.status_code == 200, response.text
    return str(xmltodict.parse(response.text)["xml"]["Content"])


def test_a_late_answer_reaches_the_user_through_another_gateway(
    two_gateways: tuple[list[TestClient], SlowRasa],
) -> None:
    (first, second), rasa = two_gateways
    rasa.replies = [[{"text": "专利资助的答复"}], [{"text": "商标的答复"}]]
    rasa.delay_s = 1.0
    assert content(post_text(first, 7001, "专利资助怎么申请？")) == text.STILL_WORKING
    rasa.delay_s = 0.0
    time.sleep(1.2)  # the first answer is ready at the first gateway
    reply = content(post_text(second, 7002, "商标怎么注册？"))
    assert reply == text.LATE_ANSWER.format(answer="专利资助的答复") + "\n\n商标的答复"


def test_continue_at_another_gateway_sends_the_next_part(
    two_gateways: tuple[list[TestClient], SlowRasa],
) -> None:
    (first, second), rasa = two_gateways
    long_answer = "\n".join(f"第{n}条：" + "专利资助申请材料说明。" * 8 for n in range(30))
    rasa.replies = [[{"text": long_answer}]]
    opening = content(post_text(first, 7101, "专利资助需要哪些材料？"))
    assert "回复「继续」查看" in opening
    following = content(post_text(second, 7102, text.CONTINUE_WORD))
    assert following.split("\n")[0] not in opening and "第" in following
    assert len(rasa.sent) == 1  # 「继续」 was answered from the held parts, not sent to Rasa
