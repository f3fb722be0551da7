"""Property-based fuzzing of every operation in the gateway's OpenAPI schema (schemathesis): no 5xx
except /healthz's designed 503, never a stack trace; over real HTTP against a fake Rasa."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from service.deps import get_rasa
from service.settings import Settings
from tests.e2e.conftest import free_port, gateway_in_thread
from tests.security.conftest import EchoRasa

EXAMPLES = 20
TRACE_MARKERS = ("Traceback", 'File "', "Internal Server Error", "Exception")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("fuzz")
    config = Settings(
        port=free_port(),
        var_dir=tmp / "var",
        index_dir=tmp / "index",
        action_port=1,
        wechat_token="fuzz-token",
        rate_sender_per_s=0,  # limits would hide the handlers behind 429s
        rate_ip_per_s=0,
        rate_wechat_ip_per_s=0,
    )
    with gateway_in_thread(config) as (url, app):
        app.dependency_overrides[get_rasa] = EchoRasa
        yield url


@pytest.fixture(scope="module")
def api_schema(gateway: str) -> Any:
    return schemathesis.openapi.from_url(f"{gateway}/openapi.json")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_operation_answers_a_server_error_or_a_stack_trace(
    api_schema: Any, gateway: str, mode: GenerationMode
) -> None:
    failures: list[str] = []
    answered: Counter[str] = Counter()
    with httpx.Client(base_url=gateway, timeout=10) as client:
        for result in api_schema.get_all_operations():
            operation = result.ok()

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
            )
            def check(case: Any) -> None:
                response = case.call(base_url=gateway, timeout=10)
                status, body = response.status_code, response.text
                answered[f"{case.method} {case.path} {status}"] += 1
                # The readiness probes answer 503 by design while a part is down (no action server, no index).
                if status >= 500 and not (case.path in ("/healthz", "/healthz/ready") and status == 503):
                    failures.append(f"{case.method} {case.formatted_path} -> {status}: {body[:200]}")
                elif any(marker in body for marker in TRACE_MARKERS):
                    failures.append(f"{case.method} {case.formatted_path} leaks a trace: {body[:200]}")

            try:
                check()
            except Unsatisfiable:  # an operation without inputs has no invalid variant
                assert mode is GenerationMode.NEGATIVE
        assert client.get("/healthz").status_code in (200, 503)  # the gateway survived the run
    assert not failures, "\n".join(sorted(set(failures))[:20])
    if mode is GenerationMode.POSITIVE:  # the fuzzer got past validation into the handlers
        assert answered["POST /api/chat 200"] > 0, answered
    else:
        assert answered["POST /api/chat 422"] > 0, answered
    # No admin route (other than logging in and out) answers anything but a refusal without a session.
    reached = [
        key for key in answered if key.split()[1].startswith("/admin/api/") and key.split()[2][0] == "2"
    ]
    assert all(key.split()[1] in ("/admin/api/login", "/admin/api/logout") for key in reached), reached


def test_the_schema_covers_the_public_api(api_schema: Any) -> None:
    paths = set(api_schema.raw_schema["paths"])
    assert {"/api/chat", "/api/feedback", "/healthz", "/wechat"} <= paths


def test_the_fake_rasa_is_reached(gateway: str) -> None:
    response = httpx.post(f"{gateway}/api/chat", json={"sender_id": "fuzz", "message": "你好"}, timeout=10)
    assert response.status_code == 200 and response.json()["replies"][0]["body"] == "您问的是：你好"
