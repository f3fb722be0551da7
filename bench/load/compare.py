"""Single-user latency of running bots side by side: one request at a time, the bots interleaved.

python -m bench.load.compare --bot old=http://127.0.0.1:8310=8310,8311,8312 --bot new=URL=PORTS --rounds 3
python -m bench.load.compare --bot … --questions ../shared/eval/dev.jsonl  # each line's `question`/`turns`

Each question goes to every bot in turn before the next question, so a burst of work elsewhere on the
machine falls on all bots alike. Prints p50/p95/p99 per bot, CPU ms per request of each process (found by
its listening port) and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.load.procs import cpu_by_port
from bench.load.runner import QUESTIONS
from bench.stats import percentile


@dataclass
class Bot:
    label: str
    url: str
    ports: list[int]
    latencies_ms: list[float] = field(default_factory=list)
    failures: int = 0
    cpu_s: dict[int, float] = field(default_factory=dict)


def parse_bot(text: str) -> Bot:
    """label=URL=PORT,PORT,… (ports: the gateway's, Rasa's and the action server's)."""
    label, url, ports = text.split("=", 2)
    return Bot(label, url.rstrip("/"), [int(port) for port in ports.split(",") if port.strip()])


def read_questions(path: Path | None) -> list[str]:
    if path is None:
        return list(QUESTIONS)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [turn for row in rows for turn in (row.get("turns") or [row["question"]])]


def ask(client: httpx.Client, bot: Bot, sender: str, question: str) -> None:
    started = time.perf_counter()
    try:
        response = client.post(f"{bot.url}/api/chat", json={"sender_id": sender, "message": question})
        ok = response.status_code == 200 and bool(response.json().get("replies"))
    except (httpx.HTTPError, ValueError):
        ok = False
    if ok:
        bot.latencies_ms.append((time.perf_counter() - started) * 1000)
    else:
        bot.failures += 1


def run(
    bots: list[Bot],
    questions: list[str],
    rounds: int,
    turns_per_sender: int,
    transport: httpx.BaseTransport | None = None,
) -> None:
    """Every question of every round to every bot, interleaved; CPU counted over the whole run."""
    run_id = int(time.time()) % 100000
    before = {bot.label: cpu_by_port(set(bot.ports)) for bot in bots}
    with httpx.Client(timeout=30.0, transport=transport) as client:
        for round_index in range(rounds):
            for index, question in enumerate(questions):
                sender = f"compare-{run_id}-{round_index}-{index // turns_per_sender}"
                for bot in bots:
                    ask(client, bot, sender, question)
    for bot in bots:
        after = cpu_by_port(set(bot.ports))
        bot.cpu_s = {port: after[port] - before[bot.label].get(port, 0.0) for port in after}


def describe(bot: Bot) -> str:
    done = max(1, len(bot.latencies_ms) + bot.failures)
    values = bot.latencies_ms
    cpu = " ".join(f"{port}:{seconds * 1000 / done:.1f}" for port, seconds in sorted(bot.cpu_s.items()))
    total = sum(bot.cpu_s.values()) * 1000 / done
    return (
        f"{bot.label:<10} n={len(values)} failed={bot.failures} p50 {percentile(values, 50):.0f} "
        f"p95 {percentile(values, 95):.0f} p99 {percentile(values, 99):.0f} ms; "
        f"CPU ms/request {cpu} (all {total:.1f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bot", action="append", required=True, help="label=URL=PORT,PORT,PORT (repeat)")
    parser.add_argument(
        "--questions", type=Path, help="JSON lines with `question` or `turns` (default: built-in)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--turns-per-sender", type=int, default=3, help="questions per conversation")
    args = parser.parse_args(argv)
    bots = [parse_bot(text) for text in args.bot]
    questions = read_questions(args.questions)
    load_before = os.getloadavg()
    run(bots, questions, args.rounds, args.turns_per_sender)
    load_after = os.getloadavg()
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)")
    for bot in bots:
        print(describe(bot))
    return 0 if all(bot.failures == 0 for bot in bots) else 1


if __name__ == "__main__":
    sys.exit(main())
