"""Redis clients of a scale-out gateway, shared by the WeChat state, the rate limits and the login backoff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis
import redis.asyncio as aioredis

# Deletes a key only while it still holds our value (a lock we own), in one atomic step.
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


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
