"""Redis calls that fall back to this gateway's own state when Redis fails: never an error for the user.

A failure logs one warning, counts in `ipgp_redis_fallbacks_total{store}` and pauses Redis for that
store for `pause_s`, so an outage costs at most one socket timeout per pause rather than one per request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from redis.exceptions import RedisError

from service.metrics import REDIS_FALLBACKS

T = TypeVar("T")
log = logging.getLogger(__name__)


class RedisFallback:
    """Runs `shared` (a Redis call) or, while Redis is failing, `local` (this gateway's own state)."""

    def __init__(self, store: str, pause_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.pause_s = pause_s
        self.clock = clock
        self._paused_until = float("-inf")

    def run(self, shared: Callable[[], T], local: Callable[[], T]) -> T:
        now = self.clock()
        if now < self._paused_until:
            REDIS_FALLBACKS.labels(self.store).inc()
            return local()
        try:
            result = shared()
        except RedisError as error:
            log.warning(
                "Redis unavailable for %s, using this gateway's own state for %.0f s: %s",
                self.store,
                self.pause_s,
                error,
            )
            self._paused_until = now + self.pause_s
            REDIS_FALLBACKS.labels(self.store).inc()
            return local()
        if self._paused_until > float("-inf"):
            log.info("Redis is back for %s", self.store)
            self._paused_until = float("-inf")
        return result
