"""The load tool against an in-thread gateway with a scripted Rasa: outcomes, latency summaries, memory."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import httpx
import pytest

from bench.load.__main__ import parse_args
from bench.load.bench import parse_args as bench_args
from bench.load.bench import report
from bench.load.growth import SENDER_INTERVAL_S, converse, summarise, windows
from bench.load.procs import rss_by_port
from bench.load.runner import (
    APOLOGY,
    EMPTY,
    LIMITED,
    OK,
    SERVER_ERROR,
    STACK_TRACE,
    Run,
    Sample,
    classify_chat,
    describe,
    ramp,
    run_load,
)
from bench.webhook import Signer
from service.deps import get_rasa
from service.settings import Settings
from tests.e2e.conftest import free_port, gateway_in_thread
from tests.service.conftest import ScriptedRasa

TOKEN = "load-token"


class SwitchableRasa(ScriptedRasa):
    """Answers; or is down; or answers nothing at all."""

    def __init__(self) -> None:
        super().__init__()
        self.empty = False

    async def send(self, sender_id: str, message: str) -> list[dict[str, object]]:
        if self.empty and not self.down:
            return []
        return await super().send(sender_id, message)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SwitchableRasa]]:
    tmp = tmp_path_factory.mktemp("load")
    rasa = SwitchableRasa()
    settings = Settings(
        port=free_port(), var_dir=tmp / "var", index_dir=tmp / "index", action_port=1, wechat_token=TOKEN
    )
    with gateway_in_thread(settings) as (url, app):
        app.dependency_overrides[get_rasa] = lambda: rasa
        yield url, rasa


def load(url: str, rate: float, duration_s: float, mix: list[str]) -> Run:
    port = urlparse(url).port or 80
    return asyncio.run(
        run_load([url], rate=rate, duration_s=duration_s, mix=mix, signer=Signer(TOKEN, None), ports={port})
    )


def test_a_fixed_rate_run_reports_every_request_and_the_memory(gateway: tuple[str, SwitchableRasa]) -> None:
    url, rasa = gateway
    run = load(url, rate=20, duration_s=1.5, mix=["chat", "wechat"])
    summary = run.summary()
    assert summary["requests"] == 30 and summary["outcomes"] == {OK: 30} and summary["errors"] == 0
    assert set(summary["latency_ms"]) == {"chat", "wechat", "all"}
    assert 0 < summary["latency_ms"]["all"]["p50"] <= summary["latency_ms"]["all"]["p99"]
    assert summary["peak_rss_mib"][str(urlparse(url).port)] > 10  # this test process serves the gateway
    senders = {sender for sender, _ in rasa.sent}
    # Senders rotate so that each writes about every 10 s: at 20/s, 200 of them, so 30 distinct here.
    assert len(senders) == 30 and any(s.startswith("wechat:oLoad") for s in senders)


def test_rasa_down_and_empty_rasa_answers_both_reach_users_as_apologies(
    gateway: tuple[str, SwitchableRasa],
) -> None:
    url, rasa = gateway
    rasa.down = True
    down = load(url, rate=10, duration_s=0.5, mix=["chat", "wechat"])
    rasa.down, rasa.empty = False, True
    empty = load(url, rate=10, duration_s=0.5, mix=["chat"])
    rasa.empty = False
    assert set(down.outcomes()) == {APOLOGY} and down.errors() == 5 and down.latencies() == []
    # the gateway turns Rasa's silent [] (failed action server or lock store) into the apology
    assert set(empty.outcomes()) == {APOLOGY} and empty.errors() == 5


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (429, {"detail": "您的请求过于频繁，请稍后再试。"}, LIMITED),
        (503, {"detail": "抱歉，智能客服暂时无法应答"}, APOLOGY),
        (503, {"detail": "Service Unavailable"}, SERVER_ERROR),
        (500, "Traceback (most recent call last):", STACK_TRACE),
        (200, {"sender_id": "a", "replies": [{"text": "好"}]}, OK),
        (200, {"sender_id": "a", "replies": []}, EMPTY),
    ],
)
def test_chat_responses_are_classified(status: int, body: object, expected: str) -> None:
    response = (
        httpx.Response(status, text=body) if isinstance(body, str) else httpx.Response(status, json=body)
    )
    assert classify_chat(response) == expected


def test_the_tool_refuses_remote_hosts_and_unbounded_runs() -> None:
    for argv in (
        ["--url", "http://example.org:8000"],
        ["--url", "http://127.0.0.1:8000", "--duration", "3600"],
        ["--url", "http://127.0.0.1:8000", "--mix", "wechat"],  # no token
    ):
        with pytest.raises(SystemExit):
            parse_args(argv)
    args = parse_args(["--url", "http://127.0.0.1:8000,http://localhost:8001", "--ramp", "1,2"])
    assert args.rates == [1.0, 2.0] and args.port_set == {8000, 8001, 5005, 5055}


def test_memory_is_found_by_listening_port() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert rss_by_port({port})[port] > 0
    assert rss_by_port({port}) == {port: 0}


def test_a_ramp_stops_after_the_first_rate_that_misses(gateway: tuple[str, SwitchableRasa]) -> None:
    url, _ = gateway
    port = urlparse(url).port or 80
    common = {"duration_s": 0.5, "mix": ["chat"], "signer": None, "ports": {port}}
    assert [run.rate for run in ramp([url], [10, 20], p95_ms=60_000, **common)] == [10, 20]
    assert [run.rate for run in ramp([url], [10, 20], p95_ms=0.001, **common)] == [10]


def run_with(rate: float, latency_ms: float, outcome: str = OK) -> Run:
    run = Run(rate, 10, wall_s=10, cpu_s={8000: 0.5, 5005: 2.0}, load_avg=(1.5, 1.0, 0.5))
    run.samples = [Sample("chat", outcome, 0.1 * n, latency_ms) for n in range(int(rate * 10))]
    run.memory = [(0.0, {8000: 150 * 1024, 5005: 1400 * 1024})]
    return run


def test_the_bench_reports_the_highest_passing_rate_per_process() -> None:
    names = {8000: "gateway", 5005: "rasa"}
    runs = [run_with(5, 100), run_with(10, 300), run_with(20, 900)]
    text = report(runs, names, p95_ms=500)
    assert "highest rate with p95 < 500 ms and zero errors: 10/s" in text
    assert re.search(r"rasa\s+20\.0\s+1400", text) and re.search(r"all\s+25\.0\s+1550", text)
    assert report([run_with(5, 100, LIMITED)], names, p95_ms=500).startswith("no rate passed")
    assert "rasa:20 gateway:5" in describe(run_with(10, 300), names)
    assert "load average 1.5" in describe(run_with(1, 1))


def test_the_bench_refuses_bad_arguments() -> None:
    for argv in (["--ramp", ""], ["--ramp", "0"], ["--duration", "0"], ["--mix", "sms"]):
        with pytest.raises(SystemExit):
            bench_args(argv)
    assert bench_args(["--ramp", "5,10"]).rates == [5.0, 10.0]


def test_growth_reads_cpu_per_turn_and_paces_each_sender(gateway: tuple[str, SwitchableRasa]) -> None:
    url, _ = gateway
    port = urlparse(url).port or 80
    started = time.monotonic()
    with httpx.Client(timeout=10) as client:
        turns = converse(client, url, ["growth-a", "growth-b"], 2, {port})
    assert [turn.number for turn in turns] == [1, 1, 2, 2]
    assert all(turn.cpu_ms[port] >= 0 for turn in turns)
    assert time.monotonic() - started >= SENDER_INTERVAL_S  # the second turn waits for the sender limit
    assert "turns 1-2 (n=4)" in summarise(turns, range(1, 3), [port])


def test_growth_windows_are_whole_question_cycles_at_the_start_middle_and_end() -> None:
    assert windows(50, 8) == [range(1, 9), range(21, 29), range(43, 51)]
    assert windows(8, 8) == [range(1, 9)] * 3
