"""Replay protection for the webhook: signed timestamps must be fresh and a signed nonce is used once.

In plaintext mode WeChat's signature covers only token, timestamp and nonce, not the body, so a
captured query string could carry any body. A (timestamp, nonce) pair is therefore bound to the
digest of the first body seen with it: WeChat's own retries (same query, same body) pass and reach the
MsgId dedup, a different body under the same signed pair is refused. After `max_skew_s` the timestamp
itself is refused, so pairs need to be remembered only that long (twice, for clocks in both directions).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

import redis
from redis.exceptions import RedisError

from service.wechat.errors import ReplayError

log = logging.getLogger(__name__)


class NonceMemory(Protocol):
    def bind(self, key: str, digest: str, ttl_s: float) -> str:
        """Stores digest under key unless present; returns the digest stored (ours or the earlier one)."""
        ...


class InMemoryNonces:
    """Nonces of one gateway; memory bounded by max_keys (oldest forgotten first)."""

    def __init__(self, max_keys: int = 200_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._seen: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._max_keys = max_keys
        self._clock = clock

    def bind(self, key: str, digest: str, ttl_s: float) -> str:
        now = self._clock()
        while self._seen:
            oldest_key, (expires, _) = next(iter(self._seen.items()))
            if expires > now and len(self._seen) < self._max_keys:
                break
            del self._seen[oldest_key]
        known = self._seen.get(key)
        if known is not None:
            return known[1]
        self._seen[key] = (now + ttl_s, digest)
        return digest


class RedisNonces:
    """Nonces shared by every gateway (scale-out); falls back to this gateway's memory when Redis is down."""

    def __init__(self, client: redis.Redis, prefix: str, fallback: InMemoryNonces | None = None) -> None:
        self._client = client
        self._prefix = f"{prefix}:wechat:nonce"
        self._fallback = fallback or InMemoryNonces()

    def bind(self, key: str, digest: str, ttl_s: float) -> str:
        name = f"{self._prefix}:{key}"
        try:
            if self._client.set(name, digest, nx=True, px=int(ttl_s * 1000)):
                return digest
            stored = self._client.get(name)
        except RedisError as error:
            log.warning("Redis unavailable for WeChat nonces, checking in this gateway only: %s", error)
            return self._fallback.bind(key, digest, ttl_s)
        if stored is None:  # expired between the two calls
            return digest
        return stored.decode() if isinstance(stored, bytes) else str(stored)


class ReplayGuard:
    """Refuses (ReplayError) stale or future timestamps and signed pairs reused with another body."""

    def __init__(
        self, nonces: NonceMemory, max_skew_s: float = 300.0, clock: Callable[[], float] = time.time
    ) -> None:
        self._nonces = nonces
        self._max_skew_s = max_skew_s
        self._clock = clock

    def check(self, timestamp: str, nonce: str, body: bytes) -> None:
        if not timestamp.isdigit() or len(timestamp) > 12:
            raise ReplayError("timestamp is not a number")
        if abs(self._clock() - int(timestamp)) > self._max_skew_s:
            raise ReplayError("timestamp outside the allowed clock skew")
        if not nonce or len(nonce) > 64:
            raise ReplayError("missing or oversized nonce")
        digest = hashlib.sha256(body).hexdigest()
        stored = self._nonces.bind(f"{timestamp}:{nonce}", digest, 2 * self._max_skew_s)
        if stored != digest:
            raise ReplayError("nonce reused with a different body")
