"""Held WeChat answers in Redis, so the user's next message may reach any gateway and still get them.

Without the customer-service API a late answer and the unsent parts of a long one wait for the user's
next message, which a load balancer may send to another gateway. Here the parts are a Redis list; a
late answer is a marker ("pending:<token>") replaced by "answer:<JSON parts>" by the gateway running
the turn once it finishes, and taken (read and deleted) atomically by whichever gateway answers the
user next. While Redis fails, the in-process HeldReplies state of this gateway is used, and is checked
first afterwards so nothing held during an outage is lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable

import redis

from service.redis_fallback import RedisFallback
from service.wechat.dedup import Answer, Flight, decode_answer
from service.wechat.held import HeldReplies

log = logging.getLogger(__name__)

# KEYS[1] from ARGV[1] to ARGV[2] (deleted when empty) with expiry ARGV[3] ms, only if it still holds ARGV[1].
_REPLACE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1
"""
# A finished late answer, deleted as it is read; nothing while the turn is still running.
_TAKE_ANSWER = """
local value = redis.call('GET', KEYS[1])
if value and string.sub(value, 1, 7) == 'answer:' then
  redis.call('DEL', KEYS[1])
  return value
end
return false
"""
_ANSWER = "answer:"


class RedisHeldReplies(HeldReplies):
    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        ttl_s: float = 6 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ttl_s=ttl_s, clock=clock)
        self._redis = client
        self._replace = client.register_script(_REPLACE)
        self._take_answer = client.register_script(_TAKE_ANSWER)
        self._prefix = f"{prefix}:wechat:held"
        self._ttl_ms = int(ttl_s * 1000)
        self._fallback = RedisFallback("wechat_held")
        self._running: dict[str, tuple[Flight, str]] = {}  # openid: late turn running here, its marker
        self._tasks: set[asyncio.Task[None]] = set()

    def _key(self, openid: str, part: str) -> str:
        return f"{self._prefix}:{openid}:{part}"

    # ---- late answers ----------------------------------------------------------------------
    def keep_late(self, openid: str, flight: Flight) -> None:
        marker = f"pending:{uuid.uuid4().hex}"
        if not self._fallback.run(
            lambda: bool(self._redis.set(self._key(openid, "late"), marker, px=self._ttl_ms)), lambda: False
        ):
            super().keep_late(openid, flight)
            return
        self._running[openid] = (flight, marker)
        task = asyncio.ensure_future(self._store_when_done(openid, flight, marker))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _store_when_done(self, openid: str, flight: Flight, marker: str) -> None:
        try:
            answer = await flight.result()
        except Exception as error:  # the turn itself failed: nothing to hold
            log.warning("late WeChat answer not held: %s", type(error).__name__)
            self._fallback.run(lambda: self._swap(openid, marker, ""), lambda: False)
            return
        finally:
            if self._running.get(openid, (None, ""))[1] == marker:
                del self._running[openid]
        stored = _ANSWER + json.dumps(list(answer), ensure_ascii=False)
        if not self._fallback.run(lambda: self._swap(openid, marker, stored), lambda: False):
            super().keep_late(openid, flight)  # Redis failed: hold it here

    def _swap(self, openid: str, marker: str, value: str) -> bool:
        return self._replace(keys=[self._key(openid, "late")], args=[marker, value, self._ttl_ms]) == 1

    async def take_late(self, openid: str, current: Flight | None = None) -> Answer | None:
        held_here = await super().take_late(openid, current)
        if held_here is not None:
            return held_here
        running = self._running.get(openid)
        if running is not None and running[0] is current:  # the same message again: answered as itself
            del self._running[openid]
            self._fallback.run(lambda: self._swap(openid, running[1], ""), lambda: False)
            return None
        stored = self._fallback.run(lambda: self._take_answer(keys=[self._key(openid, "late")]), lambda: None)
        if stored is None:
            return None
        answer = decode_answer(stored[len(_ANSWER) :])
        if current is not None and await current.wait(0) == answer:  # a retry reached another gateway
            return None
        return answer

    # ---- parts of a long answer ------------------------------------------------------------
    def keep_more(self, openid: str, parts: list[str]) -> None:
        def shared() -> bool:
            pipe = self._redis.pipeline(transaction=True)
            pipe.delete(self._key(openid, "more"))
            if parts:
                pipe.rpush(self._key(openid, "more"), *parts)
                pipe.pexpire(self._key(openid, "more"), self._ttl_ms)
            pipe.execute()
            return True

        if not self._fallback.run(shared, lambda: False):
            super().keep_more(openid, parts)

    def next_part(self, openid: str) -> tuple[str, int] | None:
        held_here = super().next_part(openid)
        if held_here is not None:
            return held_here

        def shared() -> tuple[str, int] | None:
            pipe = self._redis.pipeline(transaction=True)
            pipe.lpop(self._key(openid, "more"))
            pipe.llen(self._key(openid, "more"))
            part, remaining = pipe.execute()
            return None if part is None else (part.decode(), int(remaining))

        return self._fallback.run(shared, lambda: None)

    def drop_more(self, openid: str) -> None:
        super().drop_more(openid)
        self._fallback.run(lambda: self._redis.delete(self._key(openid, "more")), lambda: 0)
