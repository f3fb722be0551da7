"""Per-key token-bucket rate limits (per sender and per client IP) for chat and webhook.

These buckets live in the gateway process; with IPGP_REDIS_URL set, service.ratelimit_redis shares
them between gateways.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Limiter(Protocol):
    def allow(self, key: str) -> bool:
        """True when `key` may make one more request now (and charges it)."""
        ...


@dataclass
class Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allows `burst` requests at once and `rate_per_s` on average per key; memory bounded by max_keys."""

    def __init__(
        self,
        rate_per_s: float,
        burst: int,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        self.rate = rate_per_s
        self.burst = float(burst)
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()

    def allow(self, key: str) -> bool:
        now = self.clock()
        bucket = self._buckets.pop(key, None) or Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        self._buckets[key] = bucket  # most recently used last
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed


@dataclass
class EdgeRates:
    """The gateway's buckets, shared by the edge middleware and the routers that count after a check.

    A limiter is None when its rate is 0 (off).
    """

    sender: Limiter | None  # /api/chat sender_id and verified WeChat openids
    chat_ip: Limiter | None
    wechat_ip: Limiter | None
    feedback: Limiter | None  # /api/feedback per client IP
    login: Limiter | None  # /admin/api/login per client IP

    @classmethod
    def from_rates(
        cls, rates: dict[str, tuple[float, int]], clock: Callable[[], float] = time.monotonic
    ) -> EdgeRates:
        def make(name: str) -> Limiter | None:
            rate, burst = rates[name]
            return RateLimiter(rate, burst, clock=clock) if rate > 0 else None

        return cls(**{name: make(name) for name in ("sender", "chat_ip", "wechat_ip", "feedback", "login")})


def allow_all(checks: list[tuple[Limiter | None, str]]) -> bool:
    """True when every bucket allows; all are charged (no short-circuit): a refusal still costs each key."""
    return all([limiter.allow(key) for limiter, key in checks if limiter is not None])
