"""In-memory dedup of WeChat messages and the numbered-options memory."""

from __future__ import annotations

import asyncio

from service.schemas import Button
from service.wechat.dedup import Answer, InMemoryDeduplicator
from service.wechat.options import InMemoryOptions


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_retries_share_one_piece_of_work_and_its_answer() -> None:
    calls: list[str] = []

    async def work() -> Answer:
        calls.append("x")
        await asyncio.sleep(0.05)
        return ("答复",)

    async def main() -> None:
        dedup = InMemoryDeduplicator(ttl_s=60)
        flights = [dedup.start("msg:1", work) for _ in range(3)]
        assert [started for _, started in flights] == [True, False, False]
        answers = await asyncio.gather(*(flight.wait(1.0) for flight, _ in flights))
        assert answers == [("答复",)] * 3
        later, started = dedup.start("msg:1", work)
        assert not started and await later.wait(0) == ("答复",)

    asyncio.run(main())
    assert calls == ["x"]


def test_wait_times_out_without_cancelling_the_work() -> None:
    async def work() -> Answer:
        await asyncio.sleep(0.1)
        return ("迟到的答复",)

    async def main() -> None:
        flight, _ = InMemoryDeduplicator(ttl_s=60).start("msg:2", work)
        assert await flight.wait(0.01) is None
        assert await flight.result() == ("迟到的答复",)

    asyncio.run(main())


def test_defer_and_overflow_are_claimed_once() -> None:
    async def work() -> Answer:
        return ("a", "b")

    async def main() -> None:
        flight, _ = InMemoryDeduplicator(ttl_s=60).start("msg:3", work)
        assert not flight.deferred
        assert [flight.defer(), flight.defer()] == [True, False]
        assert flight.deferred
        assert [flight.claim_overflow(), flight.claim_overflow()] == [True, False]

    asyncio.run(main())


def test_keys_are_forgotten_after_the_ttl() -> None:
    clock = Clock()
    calls: list[int] = []

    async def work() -> Answer:
        calls.append(1)
        return ("x",)

    async def main() -> None:
        dedup = InMemoryDeduplicator(ttl_s=30, clock=clock)
        await dedup.start("msg:4", work)[0].result()
        clock.now += 10
        dedup.start("msg:5", work)
        clock.now += 25  # msg:4 is 35 s old, msg:5 25 s
        assert dedup.start("msg:4", work)[1] is True
        assert dedup.start("msg:5", work)[1] is False

    asyncio.run(main())
    assert len(calls) == 3


def test_digits_map_to_remembered_payloads_for_a_while() -> None:
    clock = Clock()
    options = InMemoryOptions(ttl_s=600, clock=clock)
    options.remember(
        "oUser1", [Button(title="怎么申请", payload="/how"), Button(title="找服务站", payload="")]
    )
    assert options.resolve("oUser1", "1") == "/how"
    assert (
        options.resolve("oUser1", " ２。") == "找服务站"
    )  # full-width digit; empty payload falls back to the title
    assert options.resolve("oUser1", "3") == "3"
    assert options.resolve("oUser1", "12345") == "12345"
    assert options.resolve("oUser2", "1") == "1"
    assert options.resolve("oUser1", "1个问题") == "1个问题"
    clock.now += 601
    assert options.resolve("oUser1", "1") == "1"


def test_a_reply_without_options_forgets_the_old_ones() -> None:
    options = InMemoryOptions(ttl_s=600)
    options.remember("oUser1", [Button(title="甲", payload="/a")])
    options.remember("oUser1", [])
    assert options.resolve("oUser1", "1") == "1"
