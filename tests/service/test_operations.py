"""What operators watch: liveness and readiness, Prometheus metrics, request ids in JSON logs and to Rasa,
Rasa's API token."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.logs import JsonFormatter, request_id_var
from service.main import create_app
from service.metrics import REGISTRY
from service.rasa_client import HttpRasaClient, RasaUnavailableError
from service.settings import Settings
from service.supervisor import specs
from tests.service.conftest import ScriptedRasa

PUBLISH_ROUTE = "/admin/api/publish/{publish_id}"
FALLBACK = [{"text": "抱歉，我没有理解", "custom": {"fallback": True}}]


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_liveness_stays_up_while_rasa_is_down_and_readiness_does_not(
    client: TestClient, rasa: ScriptedRasa
) -> None:
    rasa.down = True
    live = client.get("/healthz/live")
    assert (live.status_code, live.json()) == (200, {"status": "alive"})
    ready = client.get("/healthz/ready")
    assert ready.status_code == 503
    assert ready.json()["rasa"] is False and ready.json()["action_server"] is False
    assert client.get("/healthz").json() == ready.json()  # the old probe answers as before
    assert sample("ipgp_upstream_up", service="rasa") == 0.0


def test_metrics_count_requests_fallbacks_and_outages(client: TestClient, rasa: ScriptedRasa) -> None:
    before = {
        "chat": sample("ipgp_http_requests_total", method="POST", route="/api/chat", status="200"),
        "latency": sample("ipgp_http_request_duration_seconds_count", route="/api/chat"),
        "turns": sample("ipgp_turns_total", channel="web"),
        "fallback": sample("ipgp_fallback_replies_total", channel="web"),
        "rasa": sample("ipgp_upstream_failures_total", service="rasa"),
        "actions": sample("ipgp_upstream_failures_total", service="actions"),
        "publish": sample("ipgp_http_requests_total", method="GET", route=PUBLISH_ROUTE, status="401"),
    }
    rasa.replies += [[{"text": "你好"}], FALLBACK, []]
    for _ in range(3):
        client.post("/api/chat", json={"sender_id": "ops1", "message": "你好"})
    rasa.down = True
    assert client.post("/api/chat", json={"sender_id": "ops1", "message": "你好"}).status_code == 503
    client.get("/admin/api/publish/7")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    assert "ipgp_http_requests_total" in metrics.text
    assert sample("ipgp_http_requests_total", method="POST", route="/api/chat", status="200") == (
        before["chat"] + 2
    )
    assert sample("ipgp_http_request_duration_seconds_count", route="/api/chat") == before["latency"] + 4
    assert sample("ipgp_turns_total", channel="web") == before["turns"] + 2
    assert sample("ipgp_fallback_replies_total", channel="web") == before["fallback"] + 1
    assert sample("ipgp_upstream_failures_total", service="actions") == before["actions"] + 1
    assert sample("ipgp_upstream_failures_total", service="rasa") == before["rasa"] + 1
    # a route's template, never the raw path: the label set stays bounded
    assert sample("ipgp_http_requests_total", method="GET", route=PUBLISH_ROUTE, status="401") == (
        before["publish"] + 1
    )
    assert "/admin/api/publish/7" not in metrics.text


def test_edge_refusals_are_counted_under_their_path(client: TestClient) -> None:
    labels = {"method": "POST", "route": "/api/chat", "status": "413"}
    before = sample("ipgp_http_requests_total", **labels)
    client.post("/api/chat", content=b"x" * 70_000, headers={"content-type": "application/json"})
    assert sample("ipgp_http_requests_total", **labels) == before + 1


def test_metrics_can_require_a_token(tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path / "var", index_dir=tmp_path / "i", action_port=1, metrics_token="s3cret"
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    fresh = client.get("/healthz/live").headers["x-request-id"]
    assert len(fresh) == 32
    offered = client.get("/healthz/live", headers={"X-Request-ID": "abc-12345"})
    assert offered.headers["x-request-id"] == "abc-12345"
    unsafe = client.get("/healthz/live", headers={"X-Request-ID": "bad id {x}"}).headers["x-request-id"]
    assert unsafe != "bad id {x}" and len(unsafe) == 32


def test_the_request_id_reaches_rasa_and_the_token_guards_tracker_reads() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/tracker"):
            return httpx.Response(200, json={"events": []})
        return httpx.Response(200, json=[{"text": "你好"}])

    async def run() -> None:
        client = HttpRasaClient("http://rasa", 1.0, "rasa-token", transport=httpx.MockTransport(answer))
        token = request_id_var.set("req-12345678")
        try:
            await client.send("web:u1", "你好")
            await client.tracker_events("web:u1")
        finally:
            request_id_var.reset(token)
            await client.aclose()

    asyncio.run(run())
    chat, tracker = seen
    assert chat.headers["x-request-id"] == "req-12345678"
    assert json.loads(chat.content)["metadata"] == {"request_id": "req-12345678"}
    assert tracker.url.params["token"] == "rasa-token"


def test_rasa_runs_with_the_token_the_gateway_uses(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", index_dir=tmp_path / "i", action_port=1, rasa_token="tok-1")
    by_name = {spec.name: spec for spec in specs(settings, Path("rasa"), Path("model.tar.gz"))}
    rasa_argv = by_name["rasa"].argv
    assert rasa_argv[rasa_argv.index("--auth-token") + 1] == "tok-1"
    assert by_name["gateway"].env["IPGP_RASA_TOKEN"] == "tok-1"  # the gateway reads it from its settings
    with TestClient(create_app(settings)) as client:
        assert client.app.state.rasa._token == "tok-1"  # type: ignore[attr-defined]


def test_json_log_lines_carry_the_request_id() -> None:
    import logging

    record = logging.LogRecord("service.x", logging.WARNING, __file__, 1, "turn %s failed", ("t1",), None)
    token = request_id_var.set("req-abcdefgh")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "turn t1 failed" and line["request_id"] == "req-abcdefgh"
    assert line["level"] == "WARNING"


def test_the_supervised_gateway_logs_json(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", index_dir=tmp_path / "i", action_port=1)
    gateway = next(spec for spec in specs(settings, Path("rasa"), Path("m")) if spec.name == "gateway")
    config = Path(gateway.argv[gateway.argv.index("--log-config") + 1])
    code = (
        "import json, logging.config, sys;"
        f"logging.config.dictConfig(json.load(open({str(config)!r})));"
        "logging.getLogger('uvicorn.error').info('started')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    line: dict[str, Any] = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "started" and line["logger"] == "uvicorn.error"


@pytest.mark.parametrize("log_format", ["text"])
def test_text_logs_stay_possible(tmp_path: Path, log_format: str) -> None:
    settings = Settings(
        var_dir=tmp_path / "v", index_dir=tmp_path / "i", action_port=1, log_format=log_format
    )
    gateway = next(spec for spec in specs(settings, Path("rasa"), Path("m")) if spec.name == "gateway")
    assert "--log-config" not in gateway.argv


def test_a_rasa_pool_that_times_out_is_replaced_so_later_turns_are_answered() -> None:
    """httpcore 1.0.x can leave a pool without free slots after cancelled requests; every later request
    would then fail with PoolTimeout. The client starts a new pool after one."""
    calls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            raise httpx.PoolTimeout("no free connection in the pool")
        return httpx.Response(200, json=[{"text": "你好"}])

    async def run() -> tuple[bool, list[dict[str, object]]]:
        client = HttpRasaClient("http://rasa", 1.0, transport=httpx.MockTransport(answer))
        stuck = client._client
        try:
            with pytest.raises(RasaUnavailableError):
                await client.send("web:u1", "你好")
            replaced = client._client is not stuck
            await asyncio.sleep(0)  # the old pool is closed in the background
            return replaced and stuck.is_closed, await client.send("web:u1", "你好")
        finally:
            await client.aclose()

    replaced, answered = asyncio.run(run())
    assert replaced and answered == [{"text": "你好"}]
