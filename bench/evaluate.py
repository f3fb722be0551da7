"""The dev set and the evaluation corpus through POST /api/chat on the running bot, and single-user latency.

python -m bench.evaluate ../shared/eval/dev.jsonl                      # starts its own bot, then stops it
python -m bench.evaluate ../shared/eval/dev.jsonl --url http://127.0.0.1:8000 --rounds 5
python -m bench.evaluate tests/eval/corpus.jsonl --split test --rounds 0 --json results/corpus.json

Every item is sent turn by turn under one fresh sender id. Single-question kinds are judged on the
last turn: `fact` needs every expected fact (`|` separates alternatives) in the text and non-empty
`sources`; `route` a station of an allowed type; `out_of_scope` `fallback: true` and no sources;
`chitchat` a non-empty, non-fallback reply; `unknown` an honest reply (no reply of tier "certain",
and a fallback, a station or a reply of tier "closest"). Conversational kinds (`multi`, `handover`,
`persona`) carry one check (or null) per turn with the keys expect, not_expect, sources, route,
fallback, honest. In every item of several turns, an HTTP error or a reply identical to the previous
one fails the item.

Goals: the dev set (items without `split`) as in issue #4 (fact 0.95, everything else 1.0); the
corpus (issue #11) per kind on each half. Latency goals: p50 <= 150 ms, p95 <= 300 ms for one user
at a time. Exit 1 when an accuracy goal is missed on the evaluated split(s).
"""

from __future__ import annotations

import argparse
import json
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

from bench.stats import percentile
from retrieval.evaluation import text_matches
from service.supervisor import StartupError

SINGLE_KINDS = ("fact", "route", "out_of_scope", "chitchat", "unknown")
CONVERSATION_KINDS = ("multi", "handover", "persona")
KINDS = SINGLE_KINDS + CONVERSATION_KINDS
DEV_GOALS = {"fact": 0.95, "route": 1.0, "out_of_scope": 1.0, "chitchat": 1.0, "unknown": 1.0}
CORPUS_GOALS = {
    "fact": 0.95,
    "route": 0.95,
    "multi": 0.95,
    "out_of_scope": 0.98,
    "unknown": 0.95,
    "handover": 1.0,
    "persona": 0.90,
    "chitchat": 1.0,
}
GOALS = DEV_GOALS  # kept for callers of the dev-set evaluation
SPLITS = ("tune", "test")
CHECK_KEYS = frozenset({"expect", "not_expect", "sources", "route", "fallback", "honest"})
LATENCY_GOALS_MS = {"p50": 150.0, "p95": 300.0}
WARMUP_REQUESTS = 3
SNIPPET_CHARS = 80


class EvalFileError(ValueError):
    """A line of the evaluation file is not a usable item (its line number is in the message)."""


@dataclass(frozen=True)
class Check:
    """What one turn's response must show; None leaves a property unchecked.

    `sources=False` (used for out-of-scope items) means no reply may carry sources."""

    expect: tuple[str, ...] = ()
    not_expect: tuple[str, ...] = ()
    sources: bool | None = None
    route: frozenset[str] = frozenset()
    fallback: bool | None = None
    honest: bool = False
    nonempty: bool = False


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    turns: tuple[str, ...]
    expect: tuple[str, ...] = ()
    allowed_types: frozenset[str] = frozenset()
    checks: tuple[Check | None, ...] = ()  # conversational kinds: one per turn
    split: str = ""  # "tune" or "test" in the corpus; "" in the dev set
    register: str = ""
    origin: str = ""  # the knowledge entry the item was written from (`from` in the file)
    goal: str = ""

    def turn_checks(self) -> tuple[Check | None, ...]:
        """One check (or None) per turn; single-question kinds check their last turn."""
        if self.kind in CONVERSATION_KINDS:
            return self.checks
        last = {
            "fact": Check(expect=self.expect, sources=True),
            "route": Check(route=self.allowed_types),
            "out_of_scope": Check(fallback=True, sources=False),
            "chitchat": Check(fallback=False, nonempty=True),
            "unknown": Check(honest=True),
        }[self.kind]
        return (None,) * (len(self.turns) - 1) + (last,)


@dataclass(frozen=True)
class Verdict:
    item: Item
    passed: bool
    why: str  # what was missing, or "" when passed
    reply_text: str  # the text of the first failing turn, else of the last turn
    replies: tuple[str, ...] = ()  # the text of every turn ("" for a turn that got an HTTP error)
    http_error: bool = False
    repeated: bool = False


Post = Callable[[str, str], dict[str, Any]]  # (sender_id, message) -> the JSON of /api/chat


def load_items(path: Path) -> list[Item]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            items.append(_parse_item(line, f"{path}:{number}"))
    if not items:
        raise EvalFileError(f"{path}: no items")
    return items


def _types(value: object) -> frozenset[str]:
    return frozenset(code for code in str(value or "").split("|") if code)


def _strings(value: object, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(text, str) and text for text in value):
        raise EvalFileError(f"{where}: `{key}` must be a list of non-empty strings")
    return tuple(value)


def _parse_check(raw: object, where: str) -> Check | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not set(raw) <= CHECK_KEYS:
        keys = ", ".join(sorted(CHECK_KEYS))
        raise EvalFileError(f"{where}: a check is null or an object with keys {keys}")
    for key in ("sources", "fallback", "honest"):
        if key in raw and not isinstance(raw[key], bool):
            raise EvalFileError(f"{where}: check key `{key}` must be true or false")
    return Check(
        expect=_strings(raw.get("expect"), where, "expect"),
        not_expect=_strings(raw.get("not_expect"), where, "not_expect"),
        sources=True if raw.get("sources") else None,
        route=_types(raw.get("route")),
        fallback=raw.get("fallback"),
        honest=bool(raw.get("honest")),
    )


def _parse_item(line: str, where: str) -> Item:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as error:
        raise EvalFileError(f"{where}: not JSON ({error.msg})") from error
    if not isinstance(raw, dict) or raw.get("kind") not in KINDS:
        raise EvalFileError(f"{where}: `kind` must be one of {', '.join(KINDS)}")
    kind = raw["kind"]
    turns = raw.get("turns") or ([raw["question"]] if raw.get("question") else [])
    if not turns or not all(isinstance(turn, str) and turn.strip() for turn in turns):
        raise EvalFileError(f"{where}: needs a `question` or non-empty `turns`")
    allowed = _types(raw.get("route"))
    if kind == "route" and not allowed:
        raise EvalFileError(f"{where}: a route item needs `route` (station type codes separated by |)")
    if kind == "fact" and not raw.get("expect"):
        raise EvalFileError(f"{where}: a fact item needs `expect`")
    split = str(raw.get("split") or "")
    if split not in ("", *SPLITS):
        raise EvalFileError(f"{where}: `split` must be tune or test")
    checks: tuple[Check | None, ...] = ()
    if kind in CONVERSATION_KINDS:
        raw_checks = raw.get("checks")
        if not isinstance(raw_checks, list) or len(raw_checks) != len(turns):
            raise EvalFileError(f"{where}: a {kind} item needs `checks`, one (or null) per turn")
        checks = tuple(_parse_check(check, where) for check in raw_checks)
        if not any(checks):
            raise EvalFileError(f"{where}: a {kind} item needs at least one check")
    return Item(
        id=str(raw.get("id") or where),
        kind=kind,
        turns=tuple(turns),
        expect=_strings(raw.get("expect"), where, "expect"),
        allowed_types=allowed,
        checks=checks,
        split=split,
        register=str(raw.get("register") or ""),
        origin=str(raw.get("from") or ""),
        goal=str(raw.get("goal") or ""),
    )


def reply_text(response: dict[str, Any]) -> str:
    return "\n".join(str(reply.get("text", "")) for reply in response.get("replies") or [])


def check_response(check: Check, response: dict[str, Any]) -> list[str]:
    """What the response lacks for the check (pure); empty when it passes."""
    replies = response.get("replies") or []
    text = reply_text(response)
    sources = [source for reply in replies for source in reply.get("sources") or []]
    types = {str(station.get("type")) for reply in replies for station in reply.get("stations") or []}
    tiers = {str(reply.get("tier") or "") for reply in replies}
    fallback = bool(response.get("fallback"))
    problems = [f"missing {fact!r}" for fact in check.expect if not text_matches(text, [fact])]
    problems += [f"contains {word!r}" for word in check.not_expect if text_matches(text, [word])]
    if check.sources is True and not sources:
        problems.append("no sources")
    if check.sources is False and sources:
        problems.append(f"{len(sources)} sources")
    if check.route and not types & check.route:
        shown = ",".join(sorted(types)) or "none"
        problems.append(f"station types {shown}, wanted {'|'.join(sorted(check.route))}")
    if check.fallback is not None and fallback != check.fallback:
        problems.append(f"fallback is {str(fallback).lower()}")
    if check.nonempty and not text.strip():
        problems.append("empty reply")
    if check.honest:
        if "certain" in tiers:
            problems.append("answered with tier certain")
        elif not (fallback or types or "closest" in tiers):
            problems.append("neither fallback, stations nor a closest match")
    return problems


def judge(item: Item, response: dict[str, Any]) -> Verdict:
    """Whether the response to the item's last turn meets the item's goal (pure; single-question kinds)."""
    check = item.turn_checks()[-1]
    problems = check_response(check, response) if check else []
    text = reply_text(response)
    return Verdict(item, not problems, "; ".join(problems), text, (text,))


def run_item(post: Post, item: Item) -> Verdict:
    """Sends the item's turns in order under one fresh sender id and checks every turn.

    Any HTTP error, and any reply identical to the previous turn's reply, fails the item; the
    remaining turns are still sent, as a user would go on typing."""
    sender = f"eval-{item.id}-{uuid.uuid4().hex[:8]}"
    problems: list[str] = []
    texts: list[str] = []
    failing_text: str | None = None
    http_error = repeated = False
    for number, (turn, check) in enumerate(zip(item.turns, item.turn_checks(), strict=True), start=1):
        found: list[str] = []
        try:
            response = post(sender, turn)
        except httpx.HTTPError as error:
            http_error = True
            texts.append("")
            found.append(f"HTTP error ({type(error).__name__}: {error})")
        else:
            text = reply_text(response)
            if texts and texts[-1] and text == texts[-1]:
                repeated = True
                found.append("repeats the previous reply word for word")
            texts.append(text)
            if check:
                found += check_response(check, response)
        if found:
            prefix = f"turn {number}: " if len(item.turns) > 1 else ""
            problems += [prefix + problem for problem in found]
            failing_text = texts[-1] if failing_text is None else failing_text
    shown = failing_text if failing_text is not None else (texts[-1] if texts else "")
    return Verdict(item, not problems, "; ".join(problems), shown, tuple(texts), http_error, repeated)


def goal_of(item: Item) -> float:
    return (CORPUS_GOALS if item.split else DEV_GOALS)[item.kind]


def _numbers(mine: list[Verdict]) -> dict[str, float]:
    passed = sum(verdict.passed for verdict in mine)
    rate = passed / len(mine)
    goal = goal_of(mine[0].item)
    return {"items": len(mine), "passed": passed, "rate": rate, "goal": goal, "met": float(rate >= goal)}


def summarise(verdicts: list[Verdict]) -> dict[str, dict[str, float]]:
    """Per kind: items, passed, rate, goal, met (1.0/0.0)."""
    summary = {}
    for kind in KINDS:
        mine = [verdict for verdict in verdicts if verdict.item.kind == kind]
        if mine:
            summary[kind] = _numbers(mine)
    return summary


def summarise_halves(verdicts: list[Verdict]) -> dict[tuple[str, str], dict[str, float]]:
    """Per kind and half ("tune", "test", or "" for items without a split): as `summarise`."""
    summary = {}
    for kind in KINDS:
        for half in ("", *SPLITS):
            mine = [v for v in verdicts if v.item.kind == kind and v.item.split == half]
            if mine:
                summary[(kind, half)] = _numbers(mine)
    return summary


def select_split(items: list[Item], split: str) -> list[Item]:
    """The items of one half ("tune"/"test"), or all of them ("all")."""
    return items if split == "all" else [item for item in items if item.split == split]


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
    from bench.load.cluster import DEFAULT_MODEL, DEFAULT_RASA_BIN, replica_settings, running_cluster

    with tempfile.TemporaryDirectory(prefix="ipgp-eval-") as var_dir:
        replicas = replica_settings(1, Path(var_dir), rate_ip_per_s=0)
        with running_cluster(replicas, DEFAULT_RASA_BIN, DEFAULT_MODEL, Path(var_dir) / "logs") as cluster:
            yield cluster.gateway_urls[0]


def _snippet(text: str) -> str:
    return text.replace("\n", " ")[:SNIPPET_CHARS]


def report(verdicts: list[Verdict], timings: list[float]) -> bool:
    """Prints the results; True when every accuracy goal is met.

    Failures shown: all of them for items without a split (the dev set), the test half's for the corpus."""
    for verdict in verdicts:
        if not verdict.passed and verdict.item.split in ("", "test"):
            item = verdict.item
            print(f"  FAIL {item.id} ({item.kind}): {verdict.why} | {_snippet(verdict.reply_text)}")
            if len(item.turns) > 1:
                print(f"       turns: {' / '.join(item.turns)}")
    summary = summarise_halves(verdicts)
    for (kind, half), numbers in summary.items():
        mark = "ok" if numbers["met"] else "MISSED"
        label = f"{kind} {half}".strip()
        print(
            f"{label:18s} {numbers['passed']:.0f}/{numbers['items']:.0f} = {numbers['rate']:.2f}"
            f"  (goal >= {numbers['goal']:.2f}) {mark}"
        )
    conversations = [verdict for verdict in verdicts if len(verdict.item.turns) > 1]
    if conversations:
        broken = sum(verdict.http_error for verdict in conversations)
        repeats = sum(verdict.repeated for verdict in conversations)
        print(
            f"conversations: {len(conversations)}, with an HTTP error: {broken},"
            f" with a word-for-word repeat: {repeats}"
        )
    if timings:
        p50, p95 = percentile(timings, 50), percentile(timings, 95)
        print(
            f"latency ms over {len(timings)} single-user requests: p50 {p50:.0f}, p95 {p95:.0f}, "
            f"p99 {percentile(timings, 99):.0f}, max {max(timings):.0f}, "
            f"mean {statistics.fmean(timings):.0f}"
            f"  (goals p50 <= {LATENCY_GOALS_MS['p50']:.0f}, p95 <= {LATENCY_GOALS_MS['p95']:.0f}:"
            f" {'met' if p50 <= LATENCY_GOALS_MS['p50'] and p95 <= LATENCY_GOALS_MS['p95'] else 'MISSED'})"
        )
    return all(numbers["met"] for numbers in summary.values())


def verdict_record(verdict: Verdict) -> dict[str, Any]:
    """One line of the --json output: the item, the verdict and every turn's reply text."""
    item = verdict.item
    return {
        "id": item.id,
        "kind": item.kind,
        "split": item.split,
        "register": item.register,
        "from": item.origin,
        "goal": item.goal,
        "passed": verdict.passed,
        "why": verdict.why,
        "turns": list(item.turns),
        "replies": list(verdict.replies),
        "http_error": verdict.http_error,
        "repeated": verdict.repeated,
    }


def write_json(path: Path, verdicts: list[Verdict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [verdict_record(verdict) for verdict in verdicts]
    path.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def evaluate(url: str, items: list[Item], rounds: int, json_path: Path | None = None) -> bool:
    with httpx.Client(timeout=30.0) as client:
        post = http_post(client, url)
        verdicts = [run_item(post, item) for item in items]
        questions = [item.turns[0] for item in items]
        timings = measure_latency(post, questions, rounds) if rounds else []
    if json_path is not None:
        write_json(json_path, verdicts)
    return report(verdicts, timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", type=Path, help="JSON lines: id, kind, question or turns, …")
    parser.add_argument("--url", default="", help="a running gateway; default: start one on free ports")
    parser.add_argument("--rounds", type=int, default=3, help="latency rounds over the questions (0: none)")
    parser.add_argument("--split", choices=("tune", "test", "all"), default="all", help="which half to run")
    parser.add_argument("--json", type=Path, default=None, help="write per-item verdicts to this file")
    args = parser.parse_args(argv)
    try:
        items = select_split(load_items(args.dataset), args.split)
        if not items:
            raise EvalFileError(f"{args.dataset}: no items in split {args.split!r}")
        if args.url:
            return 0 if evaluate(args.url.rstrip("/"), items, args.rounds, args.json) else 1
        with own_bot() as url:
            print(f"bot started at {url}", flush=True)
            return 0 if evaluate(url, items, args.rounds, args.json) else 1
    except (EvalFileError, OSError, StartupError, httpx.HTTPError) as error:
        print(f"evaluate: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
