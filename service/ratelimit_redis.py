"""Token buckets shared by every gateway through Redis (scale-out), with the in-process limiter's interface.

One bucket is a Redis hash refilled and charged by one Lua script, so gateways racing on a key cannot both
spend its last token; the time is Redis's own, so gateways' clocks need not agree. A key expires once its
bucket would be full again, which is the same as having no key. While Redis fails, each gateway falls back
to its own in-process buckets (the limit per gateway, as without Redis): requests are never refused or
answered 500 because Redis is down. The calls are synchronous, like the limiter interface: one round trip
(well under a millisecond on a private network) bounded by the client's socket timeout.
"""

from __future__ import annotations

import math
from dataclasses import fields

import redis

from service.ratelimit import EdgeRates, Limiter, RateLimiter
from service.redis_fallback import RedisFallback

# KEYS[1]: the bucket; ARGV: tokens per second, burst, expiry in ms. Returns 1 when allowed.
_TAKE = """
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(bucket[1]), tonumber(bucket[2])
if tokens == nil or at == nil then
  tokens, at = burst, now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.9f', tokens), 'at', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return allowed
"""


class RedisRateLimiter:
    """`local`'s rate and burst, its buckets in Redis under `key_prefix`; `local` itself while Redis fails."""

    def __init__(
        self, local: RateLimiter, client: redis.Redis, key_prefix: str, fallback: RedisFallback
    ) -> None:
        self._local = local
        self._take = client.register_script(_TAKE)
        self._prefix = key_prefix
        self._fallback = fallback
        # After burst/rate seconds untouched a bucket is full again: the key is no longer needed.
        self._expire_ms = math.ceil(local.burst / local.rate * 1000) + 1000
        self._args: list[float] = [local.rate, local.burst, self._expire_ms]

    def allow(self, key: str) -> bool:
        return self._fallback.run(
            lambda: self._take(keys=[f"{self._prefix}:{key}"], args=self._args) == 1,
            lambda: self._local.allow(key),
        )


def shared_edge_rates(rates: EdgeRates, client: redis.Redis, prefix: str) -> EdgeRates:
    """The same limits with their buckets in Redis under `{prefix}:rate:{limit name}:`."""
    fallback = RedisFallback("rate_limit")

    def share(name: str, limiter: Limiter | None) -> Limiter | None:
        if not isinstance(limiter, RateLimiter):  # off (None), or already shared
            return limiter
        return RedisRateLimiter(limiter, client, f"{prefix}:rate:{name}", fallback)

    return EdgeRates(**{field.name: share(field.name, getattr(rates, field.name)) for field in fields(rates)})
