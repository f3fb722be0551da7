"""Per-turn latency and CPU as conversations grow: turns 1-2 against the last turns of long conversations.

python -m bench.load.growth --url http://127.0.0.1:8000 --ports 8000,5005,5055 --turns 50 --conversations 4

One message at a time (no concurrency), so each turn's CPU is read from /proc around it: the CPU
figures hold on a busy machine, the latencies do not.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass

import httpx

from bench.load.procs import cpu_s, families_by_port
from bench.load.runner import QUESTIONS

SENDER_INTERVAL_S = 1.1  # the gateway lets one sender send 1 message/s after a burst of 10


@dataclass
class Turn:
    number: int  # 1-based position in its conversation
    latency_ms: float
    cpu_ms: dict[int, float]  # port -> CPU ms its processes used during the turn


def converse(client: httpx.Client, url: str, senders: list[str], turns: int, ports: set[int]) -> list[Turn]:
    """`turns` messages from each sender, in rotation, each sender at most once per SENDER_INTERVAL_S."""
    families = families_by_port(ports)  # found once: walking /proc per turn costs the client ~0.3 s

    def cpu_now() -> dict[int, float]:
        return {port: sum(cpu_s(pid) for pid in pids) for port, pids in families.items()}

    result = []
    last_sent: dict[str, float] = {}
    for number in range(1, turns + 1):
        for sender in senders:
            time.sleep(max(0.0, last_sent.get(sender, 0.0) + SENDER_INTERVAL_S - time.monotonic()))
            last_sent[sender] = time.monotonic()
            before = cpu_now()
            started = time.perf_counter()
            message = QUESTIONS[number % len(QUESTIONS)]
            response = client.post(f"{url}/api/chat", json={"sender_id": sender, "message": message})
            latency_ms = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            after = cpu_now()
            cpu_ms = {port: (after[port] - before[port]) * 1000 for port in ports}
            result.append(Turn(number, latency_ms, cpu_ms))
    return result


def summarise(turns: list[Turn], numbers: range, ports: list[int]) -> str:
    chosen = [turn for turn in turns if turn.number in numbers]
    latency = statistics.median(turn.latency_ms for turn in chosen)
    cpu = " ".join(f"{port}:{statistics.median(t.cpu_ms[port] for t in chosen):.0f}" for port in ports)
    label = f"turns {numbers.start}-{numbers.stop - 1} (n={len(chosen)})"
    return f"{label}: median latency {latency:.0f} ms, CPU ms {cpu}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", required=True, help="a gateway on this machine")
    parser.add_argument(
        "--ports", required=True, help="ports whose processes' CPU is read, e.g. gateway,rasa,actions"
    )
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--conversations", type=int, default=4)
    args = parser.parse_args(argv)
    ports = [int(port) for port in args.ports.split(",") if port.strip()]
    run_id = int(time.time()) % 100000
    senders = [f"growth-{run_id}-{index}" for index in range(args.conversations)]
    with httpx.Client(timeout=30.0) as client:
        turns = converse(client, args.url.rstrip("/"), senders, args.turns, set(ports))
    for numbers in (
        range(1, 3),
        range(args.turns // 2 - 1, args.turns // 2 + 1),
        range(args.turns - 1, args.turns + 1),
    ):
        print(summarise(turns, numbers, ports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
