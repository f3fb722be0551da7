"""Answered-once dedup of WeChat messages across gateways, in Redis (service.wechat.dedup locally)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import redis
from redis.exceptions import RedisError

from service.redis_connections import RELEASE, RedisConnections
from service.wechat.dedup import Answer, Flight, LocalFlight, decode_answer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Keys:
    claim: str  # held by the gateway answering the message (refreshed while it works)
    answer: str  # the answer's parts as a JSON list
    deferred: str  # set once: the message API delivers the answer
    overflow: str  # set once: someone sends the parts after the first


class RedisFlight(LocalFlight):
    """A local task (which may be waiting for another gateway's answer) plus once-only flags in Redis.

    defer(), deferred and claim_overflow() are synchronous in the Flight protocol, so they make one
    blocking Redis round trip (well under a millisecond on a LAN, bounded by the socket timeout);
    when Redis is down they fall back to this gateway's own flags.
    """

    def __init__(self, task: asyncio.Future[Answer], client: redis.Redis, keys: _Keys, ttl_ms: int) -> None:
        super().__init__(task)
        self._client = client
        self._keys = keys
        self._ttl_ms = ttl_ms

    def defer(self) -> bool:
        first_here = super().defer()
        return self._set_once(self._keys.deferred, fallback=first_here)

    @property
    def deferred(self) -> bool:
        if super().deferred:
            return True
        try:
            return bool(self._client.exists(self._keys.deferred))
        except RedisError as error:
            log.warning("Redis unavailable, using this gateway's deferred flag: %s", error)
            return False

    def claim_overflow(self) -> bool:
        first_here = super().claim_overflow()
        return self._set_once(self._keys.overflow, fallback=first_here)

    def _set_once(self, key: str, *, fallback: bool) -> bool:
        if not fallback:  # already claimed in this gateway: no need to ask
            return False
        try:
            return bool(self._client.set(key, "1", nx=True, px=self._ttl_ms))
        except RedisError as error:
            log.warning("Redis unavailable, claiming %s locally: %s", key.rsplit(":", 1)[-1], error)
            return True


class RedisDeduplicator:
    """Answers each MsgId once across gateways: the first claims it in Redis, the others poll for its answer.

    Within one gateway, retries share a local task as with the in-memory store. The claim expires
    `claim_ttl_s` after the owner's last heartbeat, so a retry takes over when the owner died; the
    owner heartbeats for at most `max_work_s`. When Redis is unreachable, the message is answered
    locally (availability over cross-gateway dedup) and a warning is logged.
    """

    def __init__(
        self,
        connections: RedisConnections,
        *,
        ttl_s: float,
        claim_ttl_s: float = 10.0,
        max_work_s: float = 60.0,
        poll_s: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = connections.aio
        self._sync = connections.sync
        self._prefix = f"{connections.prefix}:wechat:dedup"
        self._ttl_s = ttl_s
        self._claim_ms = int(claim_ttl_s * 1000)
        self._max_work_s = max_work_s
        self._poll_s = poll_s
        self._clock = clock
        self._owner = uuid.uuid4().hex
        self._flights: dict[str, tuple[float, RedisFlight]] = {}

    def start(self, key: str, work: Callable[[], Awaitable[Answer]]) -> tuple[Flight, bool]:
        """The local flight for `key`; True when this call created it here (another gateway may own it)."""
        now = self._clock()
        for known_key, (started, _) in list(self._flights.items()):
            if started >= now - self._ttl_s:
                break
            del self._flights[known_key]
        known = self._flights.get(key)
        if known is not None:
            return known[1], False
        keys = self._keys(key)
        task = asyncio.ensure_future(self._settle(keys, work))
        flight = RedisFlight(task, self._sync, keys, int(self._ttl_s * 1000))
        self._flights[key] = (now, flight)
        return flight, True

    def _keys(self, key: str) -> _Keys:
        base = f"{self._prefix}:{key}"
        return _Keys(f"{base}:claim", f"{base}:answer", f"{base}:deferred", f"{base}:overflow")

    async def _settle(self, keys: _Keys, work: Callable[[], Awaitable[Answer]]) -> Answer:
        try:
            while True:
                stored = await self._redis.get(keys.answer)
                if stored is not None:
                    return decode_answer(stored)
                if await self._redis.set(keys.claim, self._owner, nx=True, px=self._claim_ms):
                    break
                await asyncio.sleep(self._poll_s)
        except RedisError as error:
            log.warning("Redis unavailable for WeChat dedup, answering in this gateway: %s", error)
            return await work()
        return await self._answer_as_owner(keys, work)

    async def _answer_as_owner(self, keys: _Keys, work: Callable[[], Awaitable[Answer]]) -> Answer:
        heartbeat = asyncio.ensure_future(self._heartbeat(keys.claim))
        try:
            answer = await work()
        except BaseException:
            await self._release(keys.claim)  # let a retry try again
            raise
        finally:
            heartbeat.cancel()
        try:
            stored = json.dumps(list(answer), ensure_ascii=False)
            await self._redis.set(keys.answer, stored, px=int(self._ttl_s * 1000))
        except RedisError as error:
            log.warning("could not store a WeChat answer in Redis; retries elsewhere may re-ask: %s", error)
        return answer

    async def _heartbeat(self, claim: str) -> None:
        deadline = self._clock() + self._max_work_s
        while self._clock() < deadline:
            await asyncio.sleep(self._claim_ms / 3000)
            try:
                await self._redis.pexpire(claim, self._claim_ms)
            except RedisError as error:
                log.warning("could not refresh a WeChat dedup claim: %s", error)

    async def _release(self, claim: str) -> None:
        try:
            await self._redis.eval(RELEASE, 1, claim, self._owner)
        except RedisError as error:
            log.warning("could not release a WeChat dedup claim: %s", error)
