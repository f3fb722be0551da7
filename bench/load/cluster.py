"""Starts the bot for load runs, fault drills and scale tests: N replicas of Rasa + actions + gateway.

One replica with default settings is the single-machine setup; several with `scale_out` share a
PostgreSQL tracker store (and gateway database), a Redis lock store and WeChat state in Redis.
Each process has its own one-process Supervisor, so a drill can kill and restart any one of them.

python -m bench.load.cluster --replicas 2 --scale-out --pg-db ipgp_bench   # prints the URLs, Ctrl-C stops
python -m bench.load.cluster --time-start   # seconds and CPU seconds from start to healthy, then stops
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.load.procs import children, cpu_s
from service.settings import Settings
from service.supervisor import ROOT, Spec, StartupError, Supervisor, specs

DEFAULT_RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
DEFAULT_MODEL = ROOT / "models" / "ipgp.tar.gz"
ROLES = ("action-server", "rasa", "gateway")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def replica_settings(count: int, var_dir: Path, **shared: Any) -> list[Settings]:
    """Settings of `count` replicas on free loopback ports, each with its own var_dir."""
    return [
        Settings(
            port=free_port(),
            rasa_port=free_port(),
            action_port=free_port(),
            var_dir=var_dir / f"replica{index}",
            **shared,
        )
        for index in range(count)
    ]


def ensure_database(settings: Settings) -> None:
    """Creates the scale-out PostgreSQL database when it is missing (Rasa and the gateway share it)."""
    with psycopg.connect(
        host=settings.pg_host,
        port=settings.pg_port,
        user=settings.pg_user,
        password=settings.pg_password or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    ) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (settings.pg_db,)
        ).fetchone()
        if found is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings.pg_db)))


@dataclass
class Cluster:
    """Running replicas; `processes` maps "rasa-0", "gateway-1", … to their own supervisor."""

    replicas: list[Settings]
    processes: dict[str, Supervisor]
    log_dir: Path

    @property
    def gateway_urls(self) -> list[str]:
        return [f"http://{s.host}:{s.port}" for s in self.replicas]

    @property
    def rasa_urls(self) -> list[str]:
        return [s.rasa_url for s in self.replicas]

    @property
    def ports(self) -> list[int]:
        return [port for s in self.replicas for port in (s.port, s.rasa_port, s.action_port)]

    def kill(self, name: str) -> None:
        """SIGKILL one process (no clean shutdown), like a crash."""
        for child in self.processes[name].children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()

    def restart(self, name: str, timeout_s: float = 240.0) -> None:
        """Start a killed process again from the same spec and wait until it is healthy."""
        old = self.processes[name]
        old.stop(grace_s=5)
        fresh = Supervisor(old.specs, log_dir=self.log_dir / f"restart-{int(time.time())}")
        fresh.start()
        self.processes[name] = fresh
        fresh.wait_healthy(timeout_s)

    def stop(self) -> None:
        for name in sorted(self.processes, key=_stop_order):
            self.processes[name].stop(grace_s=10)


def _stop_order(name: str) -> int:
    return -ROLES.index(name.rsplit("-", 1)[0])  # gateways first, action servers last


def cluster_specs(replicas: list[Settings], rasa_bin: Path, model: Path) -> dict[str, Spec]:
    named: dict[str, Spec] = {}
    for index, settings in enumerate(replicas):
        for spec in specs(settings, rasa_bin, model):
            name = f"{spec.name}-{index}"
            named[name] = dataclasses.replace(spec, name=name)
    return named


@contextmanager
def running_cluster(
    replicas: list[Settings], rasa_bin: Path, model: Path, log_dir: Path, timeout_s: float = 300.0
) -> Iterator[Cluster]:
    """All processes started at once (they load in parallel), stopped together at the end."""
    for needed in (rasa_bin, model):
        if not needed.exists():
            raise StartupError(f"{needed} is missing: run `make setup` first")
    for settings in replicas:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    if replicas[0].scale_out:
        ensure_database(replicas[0])
    processes = {
        name: Supervisor([spec], log_dir=log_dir)
        for name, spec in cluster_specs(replicas, rasa_bin, model).items()
    }
    cluster = Cluster(replicas, processes, log_dir)
    # Replica 0's Rasa and gateway create the shared tables (and run the admin migrations) before the
    # other replicas start: several processes creating the same PostgreSQL tables at once collide.
    first = [name for name in processes if name.startswith("action-server-") or name.endswith("-0")]
    deadline = time.monotonic() + timeout_s
    try:
        for name in first:
            processes[name].start()
        if len(replicas) > 1:
            _wait_for_schema(replicas[0], [processes[name] for name in first], deadline)
        for name in processes:
            if name not in first:
                processes[name].start()
        for supervisor in processes.values():
            supervisor.wait_healthy(max(1.0, deadline - time.monotonic()))
        yield cluster
    finally:
        cluster.stop()


def _wait_for_schema(settings: Settings, starting: list[Supervisor], deadline: float) -> None:
    """Until Rasa's `events` table exists and the first gateway listens (its startup created its tables)."""
    while True:
        for supervisor in starting:
            supervisor.raise_if_dead()
        if _listening(settings.host, settings.port) and _has_table(settings, "events"):
            return
        if time.monotonic() > deadline:
            raise StartupError("the first replica did not create the shared tables in time")
        time.sleep(0.5)


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _has_table(settings: Settings, table: str) -> bool:
    try:
        with psycopg.connect(
            host=settings.pg_host,
            port=settings.pg_port,
            user=settings.pg_user,
            password=settings.pg_password or None,
            dbname=settings.pg_db,
            connect_timeout=2,
        ) as connection:
            found = connection.execute("SELECT to_regclass(%s)", (f"public.{table}",)).fetchone()
    except psycopg.OperationalError:
        return False
    return found is not None and found[0] is not None


def start_cpu_s(cluster: Cluster) -> float:
    """CPU seconds the cluster's processes and their children have used so far."""
    pids = [child.pid for supervisor in cluster.processes.values() for child in supervisor.children.values()]
    return sum(cpu_s(pid) for root in pids for pid in children(root))


def main() -> int:
    parser = argparse.ArgumentParser(description="Start N replicas of the bot for load runs (loopback only).")
    parser.add_argument("--replicas", type=int, default=1, choices=range(1, 5))
    parser.add_argument("--scale-out", action="store_true", help="PostgreSQL tracker store, Redis lock store")
    parser.add_argument("--pg-db", default="ipgp_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--rasa-bin", type=Path, default=DEFAULT_RASA_BIN)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "cluster")
    parser.add_argument("--wechat-token", default="", help="enables /wechat for --mix wechat")
    parser.add_argument("--no-ip-limit", action="store_true", help="turn the per-IP rate limit off")
    parser.add_argument(
        "--time-start", action="store_true", help="print seconds and CPU seconds to healthy, then stop"
    )
    args = parser.parse_args()
    shared: dict[str, Any] = {"wechat_token": args.wechat_token}
    if args.no_ip_limit:
        shared["rate_ip_per_s"] = 0
    if args.scale_out:
        shared |= {"scale_out": True, "redis_url": args.redis_url, "pg_db": args.pg_db, "pg_user": "postgres"}
        shared["database_url"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.pg_db}"
    replicas = replica_settings(args.replicas, args.var_dir.resolve(), **shared)

    def _terminate(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    try:
        with running_cluster(replicas, args.rasa_bin, args.model, args.var_dir.resolve() / "logs") as cluster:
            if args.time_start:
                print(
                    f"healthy after {time.monotonic() - started:.1f} s, {start_cpu_s(cluster):.1f} s of CPU"
                )
                return 0
            print("gateways:", ",".join(cluster.gateway_urls), flush=True)
            print("ports:", ",".join(str(port) for port in cluster.ports), flush=True)
            while True:
                time.sleep(1.0)
    except StartupError as error:
        print(f"[cluster] error: {error}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
