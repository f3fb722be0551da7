"""Open-loop load at a fixed rate against one or more gateways: chat turns and signed WeChat messages."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.load.procs import cpu_by_port, rss_by_port
from bench.stats import percentile
from bench.webhook import Signer
from service.wechat.errors import BadMessageError

MAX_RATE = 500.0
MAX_DURATION_S = 600.0
QUESTIONS = [
    "你好",
    "知识产权质押贷款有贴息吗？",
    "专利资助怎么申请？",
    "我们在五角场，想注册商标",
    "商标被人抢注了怎么办？",
    "海外知识产权纠纷找谁？",
    "技术转移去哪里办？",
    "版权登记有补贴吗？",
]
OK = "ok"
# Outcomes that are not OK: a polite apology (503 or WeChat text), refused by a limit, or a failure.
APOLOGY, EMPTY, LIMITED, SERVER_ERROR, STACK_TRACE, TIMEOUT, REFUSED, SATURATED = (
    "apology",
    "empty",
    "limited",
    "server_error",
    "stack_trace",
    "timeout",
    "refused",
    "saturated",
)


@dataclass
class Sample:
    channel: str
    outcome: str
    started: float  # seconds since the run began
    latency_ms: float
    status: int = 0


@dataclass
class Run:
    """Every request of one run, plus memory samples (port -> KiB over time)."""

    rate: float
    duration_s: float
    samples: list[Sample] = field(default_factory=list)
    memory: list[tuple[float, dict[int, int]]] = field(default_factory=list)
    cpu_s: dict[int, float] = field(default_factory=dict)  # CPU seconds each port's processes used
    wall_s: float = 0.0
    load_avg: tuple[float, float, float] = (0.0, 0.0, 0.0)  # the machine's, at the end of the run

    def outcomes(self, channel: str | None = None) -> Counter[str]:
        return Counter(s.outcome for s in self.samples if channel in (None, s.channel))

    def errors(self) -> int:
        return sum(count for outcome, count in self.outcomes().items() if outcome != OK)

    def latencies(self, channel: str | None = None, ok_only: bool = True) -> list[float]:
        return [
            s.latency_ms
            for s in self.samples
            if channel in (None, s.channel) and (s.outcome == OK or not ok_only)
        ]

    def peak_rss_kb(self) -> dict[int, int]:
        peak: dict[int, int] = {}
        for _, sample in self.memory:
            for port, kib in sample.items():
                peak[port] = max(peak.get(port, 0), kib)
        return peak

    def summary(self) -> dict[str, Any]:
        channels = sorted({s.channel for s in self.samples})
        return {
            "rate": self.rate,
            "duration_s": self.duration_s,
            "requests": len(self.samples),
            "achieved_rate": round(len(self.samples) / self.wall_s, 2) if self.wall_s else 0.0,
            "errors": self.errors(),
            "outcomes": dict(self.outcomes()),
            "latency_ms": {
                **{name: percentiles(self.latencies(name)) for name in channels},
                "all": percentiles(self.latencies()),
            },
            "peak_rss_mib": {str(port): round(kib / 1024, 1) for port, kib in self.peak_rss_kb().items()},
            # CPU time per request does not depend on what else the machine runs: capacity estimate.
            "cpu_ms_per_request": {
                str(port): round(seconds * 1000 / max(1, len(self.samples)), 1)
                for port, seconds in self.cpu_s.items()
            },
            "load_avg": [round(value, 2) for value in self.load_avg],
        }

    def passes(self, p95_ms: float) -> bool:
        """No error, and p95 of all requests under p95_ms."""
        return self.errors() == 0 and self.summary()["latency_ms"]["all"]["p95"] < p95_ms


def percentiles(values: list[float]) -> dict[str, float]:
    return {f"p{p}": round(percentile(values, p), 1) for p in (50, 95, 99)} | {
        "max": round(max(values), 1) if values else math.nan
    }


class Traffic:
    """Which request comes next: senders in rotation (each a multi-turn conversation), simulated IPs."""

    def __init__(
        self, urls: list[str], mix: list[str], rate: float, signer: Signer | None, run_id: str
    ) -> None:
        self.urls = urls
        self.mix = mix
        self.signer = signer
        self.run_id = run_id
        # Enough senders that each sends about one message every 10 s, like a person typing.
        self.senders = max(20, int(rate * 10))
        self.turn: Counter[int] = Counter()
        self.msg_ids = itertools.count(int(time.time() * 1000) % 10**12 * 1000)
        self.rng = random.Random(run_id)

    def next(self, index: int) -> tuple[str, str, dict[str, Any]]:
        """(channel, url, request keyword arguments) of the index-th request."""
        channel = self.mix[index % len(self.mix)]
        sender = index % self.senders
        question = QUESTIONS[(sender + self.turn[sender]) % len(QUESTIONS)]
        self.turn[sender] += 1
        url = self.rng.choice(self.urls)
        # uvicorn believes X-Forwarded-For from loopback: each simulated user gets its own address.
        headers = {"X-Forwarded-For": f"10.77.{sender // 250 % 250}.{sender % 250 + 1}"}
        if channel == "wechat" and self.signer is not None:
            openid = f"oLoad{self.run_id}{sender}"
            params, body = self.signer.request(openid, next(self.msg_ids), question)
            return (
                channel,
                f"{url}/wechat",
                {"params": {**params, "openid": openid}, "content": body, "headers": headers},
            )
        body_json = {"sender_id": f"load-{self.run_id}-{sender}", "message": question}
        return channel, f"{url}/api/chat", {"json": body_json, "headers": headers}


def classify_chat(response: httpx.Response) -> str:
    if response.status_code != 200:
        return _classify_error(response)
    try:
        replies = response.json().get("replies")
    except (ValueError, AttributeError):
        return SERVER_ERROR
    return OK if replies else EMPTY  # an empty answer leaves the user with nothing on screen


def classify_wechat(signer: Signer, response: httpx.Response) -> str:
    if response.status_code != 200:
        return _classify_error(response)
    try:
        kind = signer.outcome(response)
    except (BadMessageError, ValueError, KeyError):  # not the XML reply WeChat expects
        return SERVER_ERROR
    return {"answered": OK, "success": OK, "late": APOLOGY, "down": APOLOGY}.get(kind, SERVER_ERROR)


def _classify_error(response: httpx.Response) -> str:
    text = response.text
    if "Traceback" in text or 'File "' in text:
        return STACK_TRACE
    if response.status_code == 429:
        return LIMITED
    if response.status_code == 503 and _chinese_detail(text):
        return APOLOGY
    return SERVER_ERROR


def _chinese_detail(text: str) -> bool:
    try:
        detail = json.loads(text).get("detail", "")
    except (ValueError, AttributeError):
        return False
    return isinstance(detail, str) and any("\u4e00" <= char <= "\u9fff" for char in detail)


async def run_load(
    urls: list[str],
    *,
    rate: float,
    duration_s: float,
    mix: list[str],
    signer: Signer | None,
    ports: set[int],
    timeout_s: float = 15.0,
    max_in_flight: int = 256,
    stop: asyncio.Event | None = None,
) -> Run:
    """rate * duration_s requests on a fixed schedule (open loop), at most max_in_flight at once."""
    if not 0 < rate <= MAX_RATE or not 0 < duration_s <= MAX_DURATION_S:
        raise ValueError(f"rate must be in (0, {MAX_RATE}] and duration in (0, {MAX_DURATION_S}] s")
    run = Run(rate, duration_s)
    traffic = Traffic(urls, mix, rate, signer, run_id=f"{int(time.time()) % 100000}")
    total = int(rate * duration_s)
    limits = httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight)
    in_flight: set[asyncio.Task[None]] = set()
    loop = asyncio.get_running_loop()
    begin = loop.time()

    async def one(index: int, client: httpx.AsyncClient) -> None:
        channel, url, request = traffic.next(index)
        started = loop.time()
        status, outcome = 0, OK
        try:
            response = await client.post(url, **request)
            status = response.status_code
            outcome = classify_chat(response) if channel == "chat" else classify_wechat(signer, response)  # type: ignore[arg-type]
        except httpx.TimeoutException:
            outcome = TIMEOUT
        except httpx.ConnectError:
            outcome = REFUSED
        except httpx.HTTPError:
            outcome = SERVER_ERROR
        sample = Sample(channel, outcome, started - begin, (loop.time() - started) * 1000, status)
        run.samples.append(sample)

    async def watch_memory() -> None:
        while True:
            run.memory.append((loop.time() - begin, await asyncio.to_thread(rss_by_port, ports)))
            await asyncio.sleep(2.0)

    cpu_before = await asyncio.to_thread(cpu_by_port, ports)
    watcher = asyncio.create_task(watch_memory())
    async with httpx.AsyncClient(timeout=timeout_s, limits=limits) as client:
        for index in range(total):
            if stop is not None and stop.is_set():
                break
            delay = begin + index / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(in_flight) >= max_in_flight:
                run.samples.append(Sample(mix[index % len(mix)], SATURATED, loop.time() - begin, 0.0))
                continue
            task = asyncio.create_task(one(index, client))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.wait(set(in_flight), timeout=timeout_s + 5)
    run.wall_s = loop.time() - begin
    watcher.cancel()
    run.memory.append((run.wall_s, await asyncio.to_thread(rss_by_port, ports)))
    cpu_after = await asyncio.to_thread(cpu_by_port, ports)
    # A process restarted during the run (fault drills) starts from zero: count only what is known.
    run.cpu_s = {port: max(0.0, cpu_after[port] - cpu_before.get(port, 0.0)) for port in cpu_after}
    run.load_avg = os.getloadavg()
    return run


def describe(run: Run, names: dict[int, str] | None = None) -> str:
    """A few lines on one run: requests, errors, latency per channel, memory and CPU per process."""
    summary = run.summary()
    names = names or {}

    def per_port(values: dict[str, float]) -> str:
        return " ".join(f"{names.get(int(port), port)}:{value:.0f}" for port, value in sorted(values.items()))

    lines = [
        f"rate {run.rate:g}/s for {run.duration_s:g} s: {summary['requests']} requests, "
        f"achieved {summary['achieved_rate']}/s, errors {summary['errors']} {summary['outcomes']}, "
        f"load average {' '.join(f'{value:.1f}' for value in run.load_avg)}"
    ]
    for channel, numbers in summary["latency_ms"].items():
        values = " ".join(f"{name} {value:.0f}" for name, value in numbers.items())
        lines.append(f"  {channel:>6} latency ms (answered requests): {values}")
    lines.append(f"  peak resident MiB: {per_port(summary['peak_rss_mib'])}")
    lines.append(f"  CPU ms per request: {per_port(summary['cpu_ms_per_request'])}")
    return "\n".join(lines)


def ramp(
    urls: list[str],
    rates: list[float],
    *,
    p95_ms: float,
    names: dict[int, str] | None = None,
    **load: Any,
) -> list[Run]:
    """run_load at each rate in turn, printing each run; stops after the first that does not pass."""
    runs: list[Run] = []
    for rate in rates:
        run = asyncio.run(run_load(urls, rate=rate, **load))
        runs.append(run)
        print("\n" + describe(run, names), flush=True)
        if len(rates) > 1 and not run.passes(p95_ms):
            print(f"  -> rate {rate:g}/s misses p95 < {p95_ms:g} ms with zero errors; ramp stops", flush=True)
            break
    return runs
