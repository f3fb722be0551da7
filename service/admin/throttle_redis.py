"""Login backoff shared by every gateway through Redis: a failure at one gateway slows the next try at all.

The same rules as LoginThrottle: per key a failure count, forgotten `forget_after_s` after the last
failure (the count key's expiry), and a wait whose length is the wait key's remaining time, so no clock
needs to agree between gateways. Keys are digests of `name:`/`ip:` keys: what was typed as a username
(sometimes a password) is not kept in Redis. While Redis fails, this gateway's own counts apply.
"""

from __future__ import annotations

import hashlib
import math
from functools import partial

import redis

from service.admin.throttle import Backoff, LoginThrottle
from service.redis_fallback import RedisFallback

# Sets KEYS[1] to expire in ARGV[1] ms unless it already lasts longer (racing failures keep the longest wait).
_EXTEND = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
"""


class RedisLoginThrottle(LoginThrottle):
    def __init__(self, client: redis.Redis, prefix: str, local: LoginThrottle) -> None:
        super().__init__(
            per_name=local.per_name,
            per_ip=local.per_ip,
            forget_after_s=local.forget_after_s,
            max_keys=local.max_keys,
            clock=local.clock,
        )
        self._redis = client
        self._extend = client.register_script(_EXTEND)
        self._prefix = f"{prefix}:login"
        self._fallback = RedisFallback("login_backoff")

    def _key(self, key: str, part: str) -> str:
        return f"{self._prefix}:{hashlib.sha256(key.encode()).hexdigest()[:32]}:{part}"

    def wait_s(self, ip: str, username: str) -> float:
        return self._fallback.run(
            lambda: self._longest_wait([f"ip:{ip}", self.name_key(username)]),
            partial(super().wait_s, ip, username),
        )

    def failed(self, ip: str, username: str) -> None:
        keys = [(f"ip:{ip}", self.per_ip), (self.name_key(username), self.per_name)]
        self._fallback.run(lambda: self._count_failure(keys), partial(super().failed, ip, username))

    def succeeded(self, username: str) -> None:
        self.clear(username)

    def clear(self, username: str) -> None:
        super().clear(username)  # also the count kept here during a Redis outage
        keys = [self._key(self.name_key(username), part) for part in ("count", "wait")]
        self._fallback.run(lambda: self._redis.delete(*keys), lambda: 0)

    def waiting(self, username: str) -> bool:
        return self._fallback.run(
            lambda: self._longest_wait([self.name_key(username)]) > 0, partial(super().waiting, username)
        )

    def _longest_wait(self, keys: list[str]) -> float:
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.pttl(self._key(key, "wait"))
        return max([0.0, *(ms / 1000 for ms in pipe.execute())])  # -2: no wait key

    def _count_failure(self, keys: list[tuple[str, Backoff]]) -> None:
        forget_ms = math.ceil(self.forget_after_s * 1000)
        pipe = self._redis.pipeline(transaction=True)
        for key, _ in keys:
            pipe.incr(self._key(key, "count"))
            pipe.pexpire(self._key(key, "count"), forget_ms)
        counts = pipe.execute()[::2]
        for (key, backoff), count in zip(keys, counts, strict=True):
            wait_ms = math.ceil(backoff.wait_after(count) * 1000)
            if wait_ms > 0:
                self._extend(keys=[self._key(key, "wait")], args=[wait_ms])
