"""The dev-set checks through POST /api/chat on the running bot, and single-user latency.

python -m service.evaluate ../shared/eval/dev.jsonl                      # starts its own bot, then stops it
python -m service.evaluate ../shared/eval/dev.jsonl --url http://127.0.0.1:8000 --rounds 5

Goals (issue #4): every `route` item gets a station of an allowed type; at least 95% of `fact`
items get every expected fact (`|` separates alternatives) in the text and non-empty `sources`;
every `out_of_scope` item gets `fallback: true` and no sources; `chitchat` gets a non-fallback
reply. Latency goals: p50 <= 150 ms, p95 <= 300 ms for one user at a time. Exit 1 when an
accuracy goal is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from retrieval.evaluation import text_matches
from service.supervisor import StartupError

KINDS = ("fact", "route", "out_of_scope", "chitchat")
GOALS = {"fact": 0.95, "route": 1.0, "out_of_scope": 1.0, "chitchat": 1.0}
LATENCY_GOALS_MS = {"p50": 150.0, "p95": 300.0}
WARMUP_REQUESTS = 3


class EvalFileError(ValueError):
    """A line of the evaluation file is not a usable item (its line number is in the message)."""


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    turns: tuple[str, ...]
    expect: tuple[str, ...] = ()
    allowed_types: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Verdict:
    item: Item
    passed: bool
    why: str  # what was missing, or "" when passed
    reply_text: str


Post = Callable[[str, str], dict[str, Any]]  # (sender_id, message) -> the JSON of /api/chat


def load_items(path: Path) -> list[Item]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            items.append(_parse_item(line, f"{path}:{number}"))
    if not items:
        raise EvalFileError(f"{path}: no items")
    return items


def _parse_item(line: str, where: str) -> Item:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as error:
        raise EvalFileError(f"{where}: not JSON ({error.msg})") from error
    if not isinstance(raw, dict) or raw.get("kind") not in KINDS:
        raise EvalFileError(f"{where}: `kind` must be one of {', '.join(KINDS)}")
    turns = raw.get("turns") or ([raw["question"]] if raw.get("question") else [])
    if not turns or not all(isinstance(turn, str) and turn.strip() for turn in turns):
        raise EvalFileError(f"{where}: needs a `question` or non-empty `turns`")
    allowed = frozenset(code for code in str(raw.get("route", "")).split("|") if code)
    if raw["kind"] == "route" and not allowed:
        raise EvalFileError(f"{where}: a route item needs `route` (station type codes separated by |)")
    if raw["kind"] == "fact" and not raw.get("expect"):
        raise EvalFileError(f"{where}: a fact item needs `expect`")
    return Item(
        id=str(raw.get("id") or where),
        kind=raw["kind"],
        turns=tuple(turns),
        expect=tuple(str(fact) for fact in raw.get("expect", [])),
        allowed_types=allowed,
    )


def judge(item: Item, response: dict[str, Any]) -> Verdict:
    """Whether the bot's response to the item's last turn meets the item's goal (pure)."""
    replies = response.get("replies") or []
    text = "\n".join(str(reply.get("text", "")) for reply in replies)
    sources = [source for reply in replies for source in reply.get("sources") or []]
    types = {str(station.get("type")) for reply in replies for station in reply.get("stations") or []}
    fallback = bool(response.get("fallback"))
    problems: list[str] = []
    if item.kind == "fact":
        problems += [f"missing {fact!r}" for fact in item.expect if not text_matches(text, [fact])]
        if not sources:
            problems.append("no sources")
    elif item.kind == "route":
        if not types & item.allowed_types:
            shown = ",".join(sorted(types)) or "none"
            problems.append(f"station types {shown}, wanted {'|'.join(sorted(item.allowed_types))}")
    elif item.kind == "out_of_scope":
        if not fallback:
            problems.append("fallback is false")
        if sources:
            problems.append(f"{len(sources)} sources")
    else:  # chitchat
        if fallback:
            problems.append("fallback is true")
        if not text.strip():
            problems.append("empty reply")
    return Verdict(item, not problems, "; ".join(problems), text)


def run_item(post: Post, item: Item) -> Verdict:
    """Sends the item's turns in order under one fresh sender id; judges the last response."""
    sender = f"eval-{item.id}-{uuid.uuid4().hex[:8]}"
    response: dict[str, Any] = {}
    for turn in item.turns:
        response = post(sender, turn)
    return judge(item, response)


def summarise(verdicts: list[Verdict]) -> dict[str, dict[str, float]]:
    """Per kind: items, passed, rate, goal, met (1.0/0.0)."""
    summary = {}
    for kind in KINDS:
        mine = [verdict for verdict in verdicts if verdict.item.kind == kind]
        if mine:
            passed = sum(verdict.passed for verdict in mine)
            rate = passed / len(mine)
            summary[kind] = {
                "items": len(mine),
                "passed": passed,
                "rate": rate,
                "goal": GOALS[kind],
                "met": float(rate >= GOALS[kind]),
            }
    return summary


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def measure_latency(post: Post, questions: list[str], rounds: int) -> list[float]:
    """Milliseconds per request, one user at a time: every question `rounds` times, fresh sender each."""
    for question in questions[:WARMUP_REQUESTS]:
        post(f"warmup-{uuid.uuid4().hex[:8]}", question)
    timings = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            post(f"latency-{uuid.uuid4().hex[:8]}", question)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def http_post(client: httpx.Client, url: str) -> Post:
    def post(sender_id: str, message: str) -> dict[str, Any]:
        response = client.post(f"{url}/api/chat", json={"sender_id": sender_id, "message": message})
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    return post


@contextmanager
def own_bot() -> Iterator[str]:
    """One replica of the bot on free loopback ports with a throwaway var dir (no per-IP limit)."""
    from service.load.cluster import DEFAULT_MODEL, DEFAULT_RASA_BIN, replica_settings, running_cluster

    with tempfile.TemporaryDirectory(prefix="ipgp-eval-") as var_dir:
        replicas = replica_settings(1, Path(var_dir), rate_ip_per_s=0)
        with running_cluster(replicas, DEFAULT_RASA_BIN, DEFAULT_MODEL, Path(var_dir) / "logs") as cluster:
            yield cluster.gateway_urls[0]


def report(verdicts: list[Verdict], timings: list[float]) -> bool:
    """Prints the results; True when every accuracy goal is met."""
    for verdict in verdicts:
        if not verdict.passed:
            snippet = verdict.reply_text.replace("\n", " ")[:80]
            print(f"  FAIL {verdict.item.id} ({verdict.item.kind}): {verdict.why} | {snippet}")
    summary = summarise(verdicts)
    for kind, numbers in summary.items():
        mark = "ok" if numbers["met"] else "MISSED"
        print(
            f"{kind:13s} {numbers['passed']:.0f}/{numbers['items']:.0f} = {numbers['rate']:.2f}"
            f"  (goal >= {numbers['goal']:.2f}) {mark}"
        )
    if timings:
        p50, p95 = percentile(timings, 0.50), percentile(timings, 0.95)
        print(
            f"latency ms over {len(timings)} single-user requests: p50 {p50:.0f}, p95 {p95:.0f}, "
            f"p99 {percentile(timings, 0.99):.0f}, max {max(timings):.0f}, "
            f"mean {statistics.fmean(timings):.0f}"
            f"  (goals p50 <= {LATENCY_GOALS_MS['p50']:.0f}, p95 <= {LATENCY_GOALS_MS['p95']:.0f}:"
            f" {'met' if p50 <= LATENCY_GOALS_MS['p50'] and p95 <= LATENCY_GOALS_MS['p95'] else 'MISSED'})"
        )
    return all(numbers["met"] for numbers in summary.values())


def evaluate(url: str, items: list[Item], rounds: int) -> bool:
    with httpx.Client(timeout=30.0) as client:
        post = http_post(client, url)
        verdicts = [run_item(post, item) for item in items]
        questions = [item.turns[0] for item in items]
        timings = measure_latency(post, questions, rounds) if rounds else []
    return report(verdicts, timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", type=Path, help="JSON lines: id, kind, question or turns, expect, route")
    parser.add_argument("--url", default="", help="a running gateway; default: start one on free ports")
    parser.add_argument("--rounds", type=int, default=3, help="latency rounds over the questions (0: none)")
    args = parser.parse_args(argv)
    try:
        items = load_items(args.dataset)
        if args.url:
            return 0 if evaluate(args.url.rstrip("/"), items, args.rounds) else 1
        with own_bot() as url:
            print(f"bot started at {url}", flush=True)
            return 0 if evaluate(url, items, args.rounds) else 1
    except (EvalFileError, OSError, StartupError, httpx.HTTPError) as error:
        print(f"evaluate: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
