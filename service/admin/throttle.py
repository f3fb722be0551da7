"""Login backoff per client IP and per username: growing waits after failures, never a hard lock.

A hard lock after N failures lets anyone lock a colleague out and, when only existing names lock,
tells an attacker which names exist. Here every name (known or not) and every client IP has a
failure count; past a free allowance each further failure doubles the wait before the next try,
up to a short cap for names (a victim waits seconds, not a quarter hour) and a longer one for IPs
(the guessing machine is what slows down). Attempts refused during a wait are not counted, so
hammering does not lengthen it. State is per gateway process.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Failures:
    count: int
    last: float
    until: float  # no attempt before this (clock time)


@dataclass(frozen=True)
class Backoff:
    """How one kind of key backs off: `free` failures cost nothing, then base·2^k seconds up to cap."""

    free: int
    base_s: float
    cap_s: float

    def wait_after(self, count: int) -> float:
        over = count - self.free
        return 0.0 if over <= 0 else min(self.cap_s, self.base_s * 2 ** (over - 1))


class LoginThrottle:
    """Failure counts per `name:` and `ip:` key, forgotten `forget_after_s` after their last failure."""

    def __init__(
        self,
        *,
        per_name: Backoff = Backoff(free=5, base_s=1.0, cap_s=30.0),
        per_ip: Backoff = Backoff(free=20, base_s=1.0, cap_s=900.0),
        forget_after_s: float = 3600.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_name, self.per_ip = per_name, per_ip
        self.forget_after_s = forget_after_s
        self.max_keys = max_keys
        self.clock = clock
        self._keys: OrderedDict[str, _Failures] = OrderedDict()

    @staticmethod
    def name_key(username: str) -> str:
        return "name:" + username.strip().casefold()

    def _live(self, key: str, now: float) -> _Failures | None:
        entry = self._keys.get(key)
        if entry is not None and now - entry.last > self.forget_after_s:
            del self._keys[key]
            return None
        return entry

    def wait_s(self, ip: str, username: str) -> float:
        """Seconds before this IP may try this name again; 0 when it may try now."""
        now = self.clock()
        waits = [0.0]
        for key in (f"ip:{ip}", self.name_key(username)):
            entry = self._live(key, now)
            if entry is not None:
                waits.append(entry.until - now)
        return max(waits)

    def failed(self, ip: str, username: str) -> None:
        now = self.clock()
        for key, backoff in ((f"ip:{ip}", self.per_ip), (self.name_key(username), self.per_name)):
            entry = self._live(key, now) or _Failures(0, now, now)
            entry.count += 1
            entry.last = now
            entry.until = now + backoff.wait_after(entry.count)
            self._keys.pop(key, None)
            self._keys[key] = entry  # most recent last
        while len(self._keys) > self.max_keys:
            self._keys.popitem(last=False)

    def succeeded(self, username: str) -> None:
        """A right password clears the name's count (not the IP's: one valid account must not reset it)."""
        self._keys.pop(self.name_key(username), None)

    def clear(self, username: str) -> None:
        """An admin's "unlock": the name may try again at once."""
        self._keys.pop(self.name_key(username), None)

    def waiting(self, username: str) -> bool:
        """True while the name is in a backoff wait (shown to admins as 已锁定)."""
        now = self.clock()
        entry = self._live(self.name_key(username), now)
        return entry is not None and entry.until > now
