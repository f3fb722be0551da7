"""Token buckets: burst, refill, independent keys, bounded memory."""

from __future__ import annotations

import pytest

from service.ratelimit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate_per_s=1.0, burst=3, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    clock.now = 1.0
    assert limiter.allow("a") is True
    assert limiter.allow("a") is False


def test_keys_are_independent() -> None:
    limiter = RateLimiter(rate_per_s=0.1, burst=1, clock=FakeClock())
    assert limiter.allow("a") and limiter.allow("b")
    assert not limiter.allow("a")


def test_memory_is_bounded_by_evicting_the_oldest_key() -> None:
    limiter = RateLimiter(rate_per_s=0.1, burst=1, max_keys=2, clock=FakeClock())
    for key in ("a", "b", "c"):
        limiter.allow(key)
    assert limiter.allow("a") is True  # "a" was evicted, so it starts with a full bucket again
    assert limiter.allow("c") is False


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate_per_s=0, burst=1)
