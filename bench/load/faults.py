"""Fault drill: under steady load, kill and restart each part, publish a new index; check the gateway only
answers or apologises politely (never a stack trace, never past its timeout), recovers by itself,
and loses nothing already stored. Bounded: every phase has a deadline; the whole drill a few minutes.

python -m bench.load.faults --model models/ipgp.tar.gz                 # single-machine default
python -m bench.load.faults --model models/ipgp.tar.gz --scale-out     # 2 replicas, PostgreSQL, Redis

The scale-out drill restarts the machine's PostgreSQL and Redis (both are running again afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis
from psycopg import sql
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy import table as table_

from bench.load.cluster import DEFAULT_MODEL, DEFAULT_RASA_BIN, Cluster, replica_settings, running_cluster
from bench.load.runner import EMPTY, OK, SATURATED, SERVER_ERROR, STACK_TRACE, TIMEOUT, Run, run_load
from bench.webhook import Signer
from service.settings import Settings

TOKEN = "fault-drill-token"
REDIS_START = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
    "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log",
]  # fmt: skip
FAILURES = {STACK_TRACE, TIMEOUT, SERVER_ERROR, EMPTY, SATURATED}


@dataclass
class Phase:
    name: str
    started: float = 0.0  # seconds since the load began
    restored: float = 0.0  # the part is back (healthy)
    ended: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)
    max_latency_ms: float = 0.0
    recovered_after_s: float | None = None  # from `restored` to the first answered request


@dataclass
class Drill:
    cluster: Cluster
    settle_s: float
    down_s: float
    begin: float = 0.0
    phases: list[Phase] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.begin

    def phase(self, name: str, break_it: Callable[[], None], repair: Callable[[], None]) -> None:
        phase = Phase(name, started=self.now())
        self.phases.append(phase)
        print(f"[drill] {phase.started:6.1f}s {name}: down", flush=True)
        break_it()
        time.sleep(self.down_s)
        repair()
        phase.restored = self.now()
        print(f"[drill] {phase.restored:6.1f}s {name}: restored", flush=True)
        time.sleep(self.settle_s)
        phase.ended = self.now()


def crash(cluster: Cluster, name: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """SIGKILL one process, then start it again from its spec."""
    return (lambda: cluster.kill(name)), (lambda: cluster.restart(name))


def run_command(argv: list[str], timeout_s: float = 60.0) -> None:
    subprocess.run(argv, check=True, timeout=timeout_s, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def pg_restart() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    run_command(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], 120)


def redis_stop() -> None:
    run_command(["redis-cli", "shutdown", "nosave"])


def redis_start() -> None:
    run_command(REDIS_START)
    deadline = time.monotonic() + 30
    while subprocess.run(["redis-cli", "ping"], capture_output=True, text=True).stdout.strip() != "PONG":
        if time.monotonic() > deadline:
            raise RuntimeError("Redis did not come back")
        time.sleep(0.2)


def publish_index(settings: Settings) -> Callable[[], None]:
    """Rebuild the index into the live directory; the build switches `current` atomically when done."""

    def build() -> None:
        env = {**os.environ, "IPGP_INDEX_DIR": str(settings.index_dir)}
        argv = [sys.executable, "-m", "retrieval", "build", "--force", "--quiet"]
        subprocess.run(argv, check=True, timeout=600, env=env, stdout=subprocess.DEVNULL)

    return build


def stored_counts(settings: Settings, knowledge_url: str) -> dict[str, int]:
    """Rows in the gateway's and the knowledge store's tables (what must survive every fault)."""
    counts: dict[str, int] = {}
    for url, tables in (
        (settings.effective_database_url, ("turns", "referrals", "feedback")),
        (knowledge_url, ("kb_entities", "kb_versions")),
    ):
        engine = create_engine(url)
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            for table in tables:
                if table in present:
                    counts[table] = int(
                        connection.execute(select(func.count()).select_from(table_(table))).scalar_one()
                    )
        engine.dispose()
    return counts


def forget_scale_state(settings: Settings) -> None:
    """Drop the drill's PostgreSQL database and its Redis keys (the services keep running)."""
    with psycopg.connect(
        host=settings.pg_host,
        port=settings.pg_port,
        user=settings.pg_user,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(settings.pg_db))
        )
    client = redis.Redis.from_url(settings.redis_url)
    for key in client.scan_iter(f"{settings.redis_prefix}:*"):
        client.delete(key)
    client.close()


def tracker_users(rasa_url: str, sender: str) -> list[str]:
    # Rasa knows website senders as "web:<sender_id>" (service.conversation.conversation_id).
    events = httpx.get(f"{rasa_url}/conversations/web:{sender}/tracker", timeout=30).json()["events"]
    return [event["text"] for event in events if event["event"] == "user"]


def sentinels(cluster: Cluster) -> dict[str, list[str]]:
    """A few finished conversations before any fault: they must be intact afterwards."""
    stamp = int(time.time())
    plans = {f"sentinel-{stamp}-{n}": ["你好", "专利资助怎么申请？"] for n in range(3)}
    for sender, messages in plans.items():
        for message in messages:
            response = httpx.post(
                f"{cluster.gateway_urls[0]}/api/chat",
                json={"sender_id": sender, "message": message},
                timeout=60,
            )
            response.raise_for_status()
    return {sender: tracker_users(cluster.rasa_urls[0], sender) for sender in plans}


def analyse(phases: list[Phase], run: Run) -> None:
    for phase in phases:
        window = [s for s in run.samples if phase.started <= s.started < phase.ended]
        phase.outcomes = Counter(s.outcome for s in window)
        phase.max_latency_ms = max((s.latency_ms for s in window), default=0.0)
        answered = [s.started for s in window if s.started >= phase.restored and s.outcome == OK]
        phase.recovered_after_s = round(min(answered) - phase.restored, 1) if answered else None


def verdict(phases: list[Phase], timeout_s: float) -> list[str]:
    problems = []
    for phase in phases:
        bad = {outcome: count for outcome, count in phase.outcomes.items() if outcome in FAILURES}
        if bad:
            problems.append(f"{phase.name}: {bad}")
        if phase.max_latency_ms > timeout_s * 1000:
            problems.append(f"{phase.name}: a request took {phase.max_latency_ms:.0f} ms")
        if phase.recovered_after_s is None:
            problems.append(f"{phase.name}: no answered request after the part came back")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale-out", action="store_true")
    parser.add_argument("--rasa-bin", type=Path, default=DEFAULT_RASA_BIN)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--var-dir", type=Path, default=Path("var/faults"))
    parser.add_argument("--rate", type=float, default=2.0, help="background load, requests per second")
    parser.add_argument("--down-s", type=float, default=6.0, help="how long each part stays down")
    parser.add_argument("--settle-s", type=float, default=20.0, help="observation after each repair")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    var_dir = args.var_dir.resolve() / time.strftime("%Y%m%dT%H%M%S")
    shared: dict[str, Any] = {"wechat_token": TOKEN}
    pg_db = f"ipgp_faults_{int(time.time())}"
    if args.scale_out:
        shared |= {
            "scale_out": True,
            "redis_url": "redis://127.0.0.1:6379/0",
            "redis_prefix": f"ipgp-faults-{int(time.time())}",
            "pg_db": pg_db,
            "pg_user": "postgres",
            "database_url": f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_db}",
        }
    replicas = replica_settings(2 if args.scale_out else 1, var_dir, **shared)
    first = replicas[0]
    knowledge_url = first.database_url or f"sqlite:///{first.var_dir / 'knowledge.db'}"
    timeout_s = first.rasa_timeout_s + 5  # the gateway's own deadline plus slack for a busy machine
    try:
        with running_cluster(replicas, args.rasa_bin, args.model, var_dir / "logs") as cluster:
            kept = sentinels(cluster)
            before = stored_counts(first, knowledge_url)
            drill = Drill(cluster, settle_s=args.settle_s, down_s=args.down_s)
            steps: list[tuple[str, Callable[[], None], Callable[[], None]]] = [
                ("action server killed", *crash(cluster, "action-server-0")),
                ("Rasa killed", *crash(cluster, "rasa-0")),
                ("new index published", publish_index(first), lambda: None),
            ]  # fmt: skip
            if args.scale_out:
                steps += [
                    ("Redis restarted", redis_stop, redis_start),
                    ("PostgreSQL restarted", pg_restart, lambda: None),
                ]
            total_s = 600.0  # an upper bound: the load stops when the last phase ends

            async def load_and_break() -> Run:
                loop = asyncio.get_running_loop()
                finished = asyncio.Event()
                drill.begin = time.monotonic()
                load = asyncio.create_task(
                    run_load(
                        cluster.gateway_urls,
                        rate=args.rate,
                        duration_s=total_s,
                        mix=["chat", "wechat"],
                        signer=Signer(TOKEN, None),
                        ports=set(cluster.ports),
                        timeout_s=timeout_s,
                        stop=finished,
                    )
                )
                await asyncio.sleep(10)
                for name, break_it, repair in steps:
                    await loop.run_in_executor(None, drill.phase, name, break_it, repair)
                finished.set()
                return await load

            run = asyncio.run(load_and_break())
            after = stored_counts(first, knowledge_url)
            intact = {
                sender: tracker_users(cluster.rasa_urls[-1], sender) == users
                for sender, users in kept.items()
            }
    finally:
        if args.scale_out:
            forget_scale_state(first)
    analyse(drill.phases, run)
    problems = verdict(drill.phases, timeout_s)
    lost = [table for table, count in before.items() if after.get(table, 0) < count]
    problems += [f"stored rows lost in {table}" for table in lost]
    problems += [f"conversation {sender} changed" for sender, same in intact.items() if not same]
    report = {
        "setup": "scale-out (2 replicas, PostgreSQL, Redis)" if args.scale_out else "single-machine default",
        "load": run.summary(),
        "phases": [
            {
                "name": p.name,
                "outcomes": dict(p.outcomes),
                "max_latency_ms": round(p.max_latency_ms),
                "recovered_after_s": p.recovered_after_s,
            }
            for p in drill.phases
        ],
        "stored_before": before,
        "stored_after": after,
        "sentinel_conversations_intact": all(intact.values()),
        "problems": problems,
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
