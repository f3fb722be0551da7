"""Per-turn latency and CPU as conversations grow: the first turns against the last of long conversations.

python -m bench.load.growth --url http://127.0.0.1:8000 --ports 8000,5005,5055 --turns 50 --conversations 4

One message at a time (no concurrency), so each turn's CPU is read from /proc around it: the CPU
figures hold on a busy machine, the latencies do not. Each window is one cycle of the questions (so
the windows ask the same things); CPU is the mean over the window's turns (the kernel counts CPU in
10 ms ticks, so a median of a few turns is coarse).
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
    cpu = " ".join(f"{port}:{statistics.fmean(t.cpu_ms[port] for t in chosen):.1f}" for port in ports)
    label = f"turns {numbers.start}-{numbers.stop - 1} (n={len(chosen)})"
    return f"{label}: median latency {latency:.0f} ms, mean CPU ms {cpu}"


def windows(turns: int, width: int) -> list[range]:
    """The first, a middle and the last `width` turns of a `turns`-turn conversation."""
    middle = max(1, turns // 2 - width // 2)
    return [range(1, width + 1), range(middle, middle + width), range(turns - width + 1, turns + 1)]


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
    for numbers in windows(args.turns, min(len(QUESTIONS), args.turns)):
        print(summarise(turns, numbers, ports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
