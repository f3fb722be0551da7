"""Rate limits and login backoff shared by gateways through Redis; per gateway while Redis is down."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from service.admin.throttle import Backoff, LoginThrottle
from service.admin.throttle_redis import RedisLoginThrottle
from service.deps import get_rasa
from service.main import create_app
from service.metrics import REGISTRY
from service.ratelimit import RateLimiter
from service.ratelimit_redis import RedisRateLimiter
from service.redis_fallback import RedisFallback
from service.settings import Settings
from tests.scale.conftest import REDIS_URL
from tests.service.conftest import ScriptedRasa

pytestmark = pytest.mark.scale

DOWN_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
Gateways = Callable[..., list[TestClient]]


def client(url: str = REDIS_URL) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def fallbacks(store: str) -> float:
    return REGISTRY.get_sample_value("ipgp_redis_fallbacks_total", {"store": store}) or 0.0


@pytest.fixture
def gateways(tmp_path: Path, redis_prefix: str) -> Iterator[Gateways]:
    """make(n, **settings): n gateway apps on one Redis prefix and one SQLite directory, started."""
    stack = ExitStack()

    def make(count: int = 2, **overrides: Any) -> list[TestClient]:
        values: dict[str, Any] = {
            "var_dir": tmp_path / "var",
            "index_dir": tmp_path / "index",
            "action_port": 1,
            "redis_url": REDIS_URL,
            "redis_prefix": redis_prefix,
            "recovery_interval_s": 0,
        }
        apps = [create_app(Settings(**{**values, **overrides})) for _ in range(count)]
        rasa = ScriptedRasa()
        for app in apps:
            app.dependency_overrides[get_rasa] = lambda: rasa
        return [stack.enter_context(TestClient(app)) for app in apps]

    yield make
    stack.close()


def chat(gateway: TestClient, sender: str) -> int:
    return gateway.post("/api/chat", json={"sender_id": sender, "message": "你好"}).status_code


# ---- Rate limits -------------------------------------------------------------------------------


def test_two_gateways_share_one_sender_budget(gateways: Gateways) -> None:
    first, second = gateways(rate_sender_per_s=0.01, rate_sender_burst=3)
    statuses = [chat(gateway, "alice") for gateway in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]  # without sharing each gateway would allow 3: 6 in all
    assert chat(second, "bob") == 200


def test_every_edge_limit_of_a_gateway_is_shared(gateways: Gateways) -> None:
    (gateway,) = gateways(1)
    rates = gateway.app.state.rates  # type: ignore[attr-defined]
    assert all(isinstance(getattr(rates, field.name), RedisRateLimiter) for field in fields(rates))


def test_limiters_racing_on_one_key_never_overspend_it(redis_prefix: str) -> None:
    def gateway() -> RedisRateLimiter:
        return RedisRateLimiter(
            RateLimiter(0.01, 5), client(), f"{redis_prefix}:rate:sender", RedisFallback("rate_limit")
        )

    def spend(limiter: RedisRateLimiter) -> list[bool]:
        return [limiter.allow("web:alice") for _ in range(10)]

    with ThreadPoolExecutor(4) as pool:
        allowed = [ok for results in pool.map(spend, [gateway() for _ in range(4)]) for ok in results]
    assert allowed.count(True) == 5


def test_a_shared_bucket_refills_and_its_key_expires(redis_prefix: str) -> None:
    redis_client = client()
    limiter = RedisRateLimiter(
        RateLimiter(20.0, 1), redis_client, f"{redis_prefix}:rate:chat_ip", RedisFallback("rate_limit")
    )
    assert [limiter.allow("ip:10.0.0.1"), limiter.allow("ip:10.0.0.1")] == [True, False]
    time.sleep(0.1)  # 20 tokens a second: one is back after 50 ms
    assert limiter.allow("ip:10.0.0.1") is True
    keys = list(redis_client.scan_iter(f"{redis_prefix}:*"))
    assert keys == [f"{redis_prefix}:rate:chat_ip:ip:10.0.0.1".encode()]
    assert 0 < redis_client.pttl(keys[0]) <= 1050  # refilled after 50 ms, plus a second's margin


def test_every_key_a_gateway_writes_has_the_prefix_and_expires(gateways: Gateways, redis_prefix: str) -> None:
    (gateway,) = gateways(1)
    assert chat(gateway, "alice") == 200
    redis_client = client()
    keys = list(redis_client.scan_iter(f"{redis_prefix}:*"))
    assert len(keys) == 2  # the sender's and the IP's bucket
    assert all(redis_client.pttl(key) > 0 for key in keys)


def test_with_redis_down_requests_pass_on_this_gateways_own_limits(
    gateways: Gateways, caplog: pytest.LogCaptureFixture
) -> None:
    before = fallbacks("rate_limit")
    (gateway,) = gateways(1, redis_url=DOWN_URL, rate_sender_per_s=0.01, rate_sender_burst=3)
    with caplog.at_level(logging.WARNING, logger="service.redis_fallback"):
        statuses = [chat(gateway, "alice") for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # never a 500; the in-process bucket still limits
    assert fallbacks("rate_limit") - before == 8  # two buckets (IP and sender) per request
    warnings = [r for r in caplog.records if "Redis unavailable for rate_limit" in r.getMessage()]
    assert len(warnings) == 1  # one warning, then Redis is left alone for a pause
    assert 'ipgp_redis_fallbacks_total{store="rate_limit"}' in gateway.get("/metrics").text


# ---- Redis fallback ----------------------------------------------------------------------------


class Flaky:
    def __init__(self) -> None:
        self.down = True
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.down:
            raise redis.ConnectionError("connection refused")
        return "redis"


def test_a_failure_pauses_redis_then_it_is_tried_again() -> None:
    now = [0.0]
    fallback = RedisFallback("test", pause_s=5.0, clock=lambda: now[0])
    flaky = Flaky()
    assert [fallback.run(flaky, lambda: "local") for _ in range(3)] == ["local"] * 3
    assert flaky.calls == 1  # the pause spares the other requests a socket timeout each
    flaky.down = False
    now[0] = 5.0
    assert fallback.run(flaky, lambda: "local") == "redis"


# ---- Login backoff -----------------------------------------------------------------------------


def shared_throttles(prefix: str, count: int = 2, url: str = REDIS_URL) -> list[RedisLoginThrottle]:
    local = LoginThrottle(per_name=Backoff(free=3, base_s=1.0, cap_s=30.0), per_ip=Backoff(5, 1.0, 900.0))
    return [RedisLoginThrottle(client(url), prefix, local) for _ in range(count)]


def test_a_backoff_earned_at_one_gateway_is_seen_at_another(redis_prefix: str) -> None:
    first, second = shared_throttles(redis_prefix)
    for n in range(4):  # 3 free failures per name, spread over both gateways
        (first if n % 2 else second).failed(f"10.0.0.{n}", "Editor")
    assert 0.9 < second.wait_s("192.0.2.1", "editor") <= 1.0  # names compare case-insensitively
    assert first.waiting("editor") and second.waiting("editor")
    first.failed("10.0.0.9", "editor")
    assert 1.0 < second.wait_s("192.0.2.1", "editor") <= 2.0  # doubled
    second.clear("editor")  # an admin's reset at the second gateway ends it everywhere
    assert first.wait_s("192.0.2.1", "editor") == 0 and not first.waiting("editor")


def test_one_ip_guessing_names_backs_off_at_every_gateway(redis_prefix: str) -> None:
    first, second = shared_throttles(redis_prefix)
    for n in range(6):  # 5 free failures per IP here
        first.failed("203.0.113.5", f"name{n}")
    assert second.wait_s("203.0.113.5", "someone-else") > 0
    assert second.wait_s("198.51.100.7", "someone-else") == 0
    second.succeeded("name5")  # a right password clears the name, not the IP
    assert first.wait_s("203.0.113.5", "name5") > 0


def test_backoff_keys_hide_what_was_typed_and_expire(redis_prefix: str) -> None:
    (throttle,) = shared_throttles(redis_prefix, 1)
    for _ in range(4):
        throttle.failed("10.0.0.1", "typed-a-password-here")
    redis_client = client()
    keys = [key.decode() for key in redis_client.scan_iter(f"{redis_prefix}:*")]
    assert len(keys) == 3  # counts for the IP and the name, the name's wait
    assert not any("typed-a-password" in key or "10.0.0.1" in key for key in keys)
    assert all(0 < redis_client.pttl(key) <= 3600 * 1000 for key in keys)


def test_with_redis_down_login_backoff_works_per_gateway() -> None:
    before = fallbacks("login_backoff")
    (throttle,) = shared_throttles("ipgp-test-down", 1, DOWN_URL)
    for _ in range(4):
        throttle.failed("10.0.0.1", "editor")
    assert 0.9 < throttle.wait_s("10.0.0.1", "editor") <= 1.0 and throttle.waiting("editor")
    throttle.clear("editor")
    assert throttle.wait_s("192.0.2.1", "editor") == 0
    assert fallbacks("login_backoff") > before


def test_a_failed_login_at_one_gateway_makes_the_next_wait_at_another(gateways: Gateways) -> None:
    first, second = gateways(rate_login_per_s=0)
    first.app.state.admin.accounts.create_user("editor", "Correct-horse-9", "editor")  # type: ignore[attr-defined]
    for n in range(6):  # 5 free failures per name by default; the 6th costs a second
        gateway = (first, second)[n % 2]
        response = gateway.post("/admin/api/login", json={"username": "editor", "password": "wrong-password"})
        assert response.status_code == 401
    answer = second.post("/admin/api/login", json={"username": "editor", "password": "Correct-horse-9"})
    assert answer.status_code == 429 and answer.headers["retry-after"] == "1"
