"""The customer-service API's access token shared in Redis by every gateway."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable

import httpx
from redis.exceptions import RedisError

from service.redis_connections import RELEASE, RedisConnections
from service.wechat.api import CustomerServiceApi

log = logging.getLogger(__name__)


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
        await self._redis.eval(RELEASE, 1, self._lock_key, self._owner)

    async def _fetch_and_share(self) -> str:
        # Passing our own cached token as rejected makes the parent fetch a fresh one.
        token = await super().access_token(rejected=self._token)
        valid_ms = int((self._expires_at - self._clock()) * 1000)
        await self._redis.set(self._token_key, token, px=max(valid_ms, 1000))
        return token
