"""Answers each WeChat message once: retries share the first attempt's in-flight answer."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

Answer = tuple[str, ...]  # reply parts, each within WeChat's byte limit


def decode_answer(stored: bytes | str) -> Answer:
    """An answer kept in shared storage as a JSON list of parts."""
    parts = json.loads(stored)
    if not isinstance(parts, list) or not all(isinstance(part, str) for part in parts):
        raise ValueError("stored WeChat answer is not a list of strings")
    return tuple(parts)


class Flight(Protocol):
    """One message being answered, shared by the first request and its retries."""

    async def wait(self, timeout_s: float) -> Answer | None:
        """The answer, or None when it is not ready within timeout_s (the work keeps running)."""
        ...

    async def result(self) -> Answer: ...

    def defer(self) -> bool:
        """Hand delivery to the message API; True only for the first caller (it must send it)."""
        ...

    @property
    def deferred(self) -> bool: ...

    def claim_overflow(self) -> bool:
        """True for exactly one caller, who sends the parts after the first through the message API."""
        ...


class Deduplicator(Protocol):
    """Where in-flight and recent answers live; in-memory by default, shared storage can come later."""

    def start(self, key: str, work: Callable[[], Awaitable[Answer]]) -> tuple[Flight, bool]:
        """The flight for `key` and whether this call started it (work runs at most once per key)."""
        ...


class LocalFlight:
    """A flight backed by an asyncio task in this process."""

    def __init__(self, task: asyncio.Future[Answer]) -> None:
        self._task = task
        self._deferred = False
        self._overflow_claimed = False

    async def wait(self, timeout_s: float) -> Answer | None:
        try:
            return await asyncio.wait_for(asyncio.shield(self._task), max(timeout_s, 0.0))
        except TimeoutError:
            return None

    async def result(self) -> Answer:
        return await asyncio.shield(self._task)

    def defer(self) -> bool:
        first = not self._deferred
        self._deferred = True
        return first

    @property
    def deferred(self) -> bool:
        return self._deferred

    def claim_overflow(self) -> bool:
        first = not self._overflow_claimed
        self._overflow_claimed = True
        return first


class InMemoryDeduplicator:
    """Keeps flights for `ttl_s` after they start (WeChat retries within about 15 s)."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._flights: dict[str, tuple[float, LocalFlight]] = {}

    def start(self, key: str, work: Callable[[], Awaitable[Answer]]) -> tuple[Flight, bool]:
        now = self._clock()
        self._forget_before(now - self._ttl_s)
        known = self._flights.get(key)
        if known is not None:
            return known[1], False
        flight = LocalFlight(asyncio.ensure_future(work()))
        self._flights[key] = (now, flight)
        return flight, True

    def __len__(self) -> int:
        return len(self._flights)

    def _forget_before(self, cutoff: float) -> None:
        # Flights are inserted in time order, so expired ones are at the front.
        for key, (started, _) in list(self._flights.items()):
            if started >= cutoff:
                break
            del self._flights[key]
