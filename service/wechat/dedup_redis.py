"""WeChat state shared by several gateways in Redis: answered-once dedup, access token, digit options.

Held late answers are in service.wechat.held_redis."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import unicodedata
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import redis
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from service.schemas import Button
from service.settings import Settings
from service.wechat.api import CustomerServiceApi
from service.wechat.dedup import Answer, Flight, LocalFlight, decode_answer
from service.wechat.held_redis import RedisHeldReplies
from service.wechat.responder import Responder

log = logging.getLogger(__name__)

# Deletes a key only while it still holds our value (a lock we own), in one atomic step.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


@dataclass
class RedisConnections:
    """One async client for the request path and one sync client for the protocols' sync methods."""

    aio: aioredis.Redis
    sync: redis.Redis
    prefix: str

    @classmethod
    def from_url(cls, url: str, prefix: str = "ipgp", timeout_s: float = 2.0) -> RedisConnections:
        # Short socket timeouts: with Redis down, a request falls back to local state quickly.
        options: dict[str, Any] = {"socket_timeout": timeout_s, "socket_connect_timeout": timeout_s}
        sync_options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
        return cls(aioredis.Redis.from_url(url, **options), redis.Redis.from_url(url, **sync_options), prefix)

    async def aclose(self) -> None:
        await self.aio.aclose()
        self.sync.close()


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
            await self._redis.eval(_RELEASE, 1, claim, self._owner)
        except RedisError as error:
            log.warning("could not release a WeChat dedup claim: %s", error)


class RedisTokenApi(CustomerServiceApi):
    """The customer-service API with its access token shared in Redis: one fetch for all gateways.

    WeChat invalidates the previous token when a new one is fetched, so gateways must share it.
    The gateway that takes a short Redis lock fetches; the others wait for its token (at most
    `lock_wait_s`, then fetch themselves). With Redis down, each gateway keeps its own token.
    """

    def __init__(
        self,
        base_url: str,
        app_id: str,
        app_secret: str,
        client: httpx.AsyncClient,
        connections: RedisConnections,
        *,
        lock_wait_s: float = 5.0,
        poll_s: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(base_url, app_id, app_secret, client, clock)
        self._redis = connections.aio
        self._token_key = f"{connections.prefix}:wechat:token:{app_id}"
        self._lock_key = f"{self._token_key}:lock"
        self._owner = uuid.uuid4().hex
        self._lock_wait_s = lock_wait_s
        self._poll_s = poll_s
        self._shared_lock = asyncio.Lock()

    async def access_token(self, *, rejected: str = "") -> str:
        try:
            async with self._shared_lock:
                return await self._shared_token(rejected)
        except RedisError as error:
            log.warning("Redis unavailable for the WeChat access token, using this gateway's: %s", error)
            return await super().access_token(rejected=rejected)

    async def _shared_token(self, rejected: str) -> str:
        give_up_at = self._clock() + self._lock_wait_s
        while True:
            stored = await self._redis.get(self._token_key)
            token = stored.decode() if isinstance(stored, bytes) else stored
            if token and token != rejected:
                return token
            if await self._redis.set(self._lock_key, self._owner, nx=True, px=int(self._lock_wait_s * 1000)):
                try:
                    return await self._fetch_and_share()
                finally:
                    await self._release_lock()
            if self._clock() > give_up_at:
                log.warning("no shared WeChat token after %.0f s; fetching one here", self._lock_wait_s)
                return await self._fetch_and_share()
            await asyncio.sleep(self._poll_s)

    async def _release_lock(self) -> None:
        await self._redis.eval(_RELEASE, 1, self._lock_key, self._owner)

    async def _fetch_and_share(self) -> str:
        # Passing our own cached token as rejected makes the parent fetch a fresh one.
        token = await super().access_token(rejected=self._token)
        valid_ms = int((self._expires_at - self._clock()) * 1000)
        await self._redis.set(self._token_key, token, px=max(valid_ms, 1000))
        return token


class RedisOptions:
    """Numbered options per user in Redis, so a digit reply may reach any gateway (OptionMemory)."""

    def __init__(self, connections: RedisConnections, ttl_s: float) -> None:
        self._client = connections.sync
        self._prefix = f"{connections.prefix}:wechat:options"
        self._ttl_ms = int(ttl_s * 1000)

    def remember(self, openid: str, options: list[Button]) -> None:
        key = f"{self._prefix}:{openid}"
        try:
            if options:
                payload = json.dumps([button.model_dump() for button in options], ensure_ascii=False)
                self._client.set(key, payload, px=self._ttl_ms)
            else:
                self._client.delete(key)
        except RedisError as error:
            log.warning("Redis unavailable, numbered options not remembered: %s", error)

    def resolve(self, openid: str, message: str) -> str:
        digits = unicodedata.normalize("NFKC", message).strip().rstrip(".。")
        if not digits.isascii() or not digits.isdigit():
            return message
        try:
            stored = self._client.get(f"{self._prefix}:{openid}")
        except RedisError as error:
            log.warning("Redis unavailable, digit reply sent as typed: %s", error)
            return message
        if stored is None:
            return message
        options = [Button.model_validate(raw) for raw in json.loads(stored)]
        number = int(digits)
        if 1 <= number <= len(options):
            return options[number - 1].payload or options[number - 1].title
        return message


def redis_responder(settings: Settings, connections: RedisConnections) -> Responder:
    """The WeChat responder of a scale-out gateway: the same logic, its state in Redis."""
    http = api = None
    if settings.wechat_api_enabled:
        http = httpx.AsyncClient(timeout=5.0)
        api = RedisTokenApi(
            settings.wechat_api_base_url,
            settings.wechat_app_id,
            settings.wechat_app_secret,
            http,
            connections,
        )
    return Responder(
        chat_page_url=settings.chat_page_url,
        dedup=RedisDeduplicator(connections, ttl_s=settings.wechat_dedup_ttl_s),
        options=RedisOptions(connections, settings.wechat_option_ttl_s),
        api=api,
        http=http,
        held=RedisHeldReplies(connections.sync, connections.prefix),
    )
