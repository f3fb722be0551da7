"""`make bench-load`: start the bot on free ports, ramp open-loop chat + WeChat load, print its capacity.

python -m bench.load.bench --ramp 5,10,15,20,25,30,40,50 --duration 15 --mix chat,wechat

Prints the highest rate with p95 < --p95-ms and no error, and at that rate CPU ms per request and peak
resident memory of each process (with its children). Senders are distinct, each with its own client
address, so the default rate limits stay on. CPU time per request does not depend on what else the
machine runs; latency does, so every run prints the load average next to it.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sys
import time
from pathlib import Path

import httpx

from bench.load.cluster import DEFAULT_MODEL, DEFAULT_RASA_BIN, replica_settings, running_cluster
from bench.load.runner import MAX_DURATION_S, MAX_RATE, QUESTIONS, Run, ramp
from bench.webhook import Signer
from service.settings import Settings
from service.supervisor import ROOT, StartupError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ramp", default="5,10,15,20,25,30,40,50", help="comma-separated rates per second")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per rate")
    parser.add_argument("--mix", default="chat,wechat", help="chat, wechat or chat,wechat (alternating)")
    parser.add_argument("--p95-ms", type=float, default=500.0)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--rasa-bin", type=Path, default=DEFAULT_RASA_BIN)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "bench-load", help="emptied first")
    parser.add_argument("--json", type=Path, help="also write the runs' summaries here")
    args = parser.parse_args(argv)
    args.rates = [float(rate) for rate in args.ramp.split(",") if rate.strip()]
    args.mix = [part.strip() for part in args.mix.split(",") if part.strip()]
    if not args.rates or not all(0 < rate <= MAX_RATE for rate in args.rates):
        parser.error(f"--ramp takes rates in (0, {MAX_RATE:.0f}]")
    if not 0 < args.duration <= MAX_DURATION_S:
        parser.error(f"--duration must be in (0, {MAX_DURATION_S:.0f}]")
    if not args.mix or set(args.mix) - {"chat", "wechat"}:
        parser.error("--mix takes chat, wechat or chat,wechat")
    return args


def process_names(settings: Settings) -> dict[int, str]:
    return {settings.port: "gateway", settings.rasa_port: "rasa", settings.action_port: "action-server"}


def warm_up(url: str, timeout_s: float = 180.0) -> float:
    """One question of each kind through /api/chat (the first loads the embedding model); seconds taken."""
    started = time.monotonic()
    with httpx.Client(timeout=timeout_s) as client:
        for index, question in enumerate(QUESTIONS):
            response = client.post(
                f"{url}/api/chat", json={"sender_id": f"warm-up-{index}", "message": question}
            )
            response.raise_for_status()
    return time.monotonic() - started


def report(runs: list[Run], names: dict[int, str], p95_ms: float) -> str:
    passing = [run for run in runs if run.passes(p95_ms)]
    if not passing:
        return f"no rate passed (p95 < {p95_ms:g} ms, zero errors)"
    best = max(passing, key=lambda run: run.rate)
    summary = best.summary()
    lines = [
        f"highest rate with p95 < {p95_ms:g} ms and zero errors: {best.rate:g}/s",
        "process       CPU ms/request  peak RSS MiB",
    ]
    for port, name in names.items():
        cpu = summary["cpu_ms_per_request"].get(str(port), float("nan"))
        rss = summary["peak_rss_mib"].get(str(port), float("nan"))
        lines.append(f"{name:<14}{cpu:>14.1f}{rss:>14.0f}")
    total_rss = sum(summary["peak_rss_mib"].values())
    total_cpu = sum(summary["cpu_ms_per_request"].values())
    lines.append(f"{'all':<14}{total_cpu:>14.1f}{total_rss:>14.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    var_dir = args.var_dir.resolve()
    shutil.rmtree(var_dir, ignore_errors=True)
    token = secrets.token_urlsafe(16)
    settings = replica_settings(1, var_dir, wechat_token=token)[0]
    names = process_names(settings)
    started = time.monotonic()
    try:
        with running_cluster([settings], args.rasa_bin, args.model, var_dir / "logs") as cluster:
            print(
                f"bot healthy after {time.monotonic() - started:.1f} s (logs: {var_dir / 'logs'})", flush=True
            )
            print(f"warm-up questions answered in {warm_up(cluster.gateway_urls[0]):.1f} s", flush=True)
            runs = ramp(
                cluster.gateway_urls,
                args.rates,
                p95_ms=args.p95_ms,
                names=names,
                duration_s=args.duration,
                mix=args.mix,
                signer=Signer(token, None),
                ports=set(cluster.ports),
            )
    except (StartupError, httpx.HTTPError) as error:
        print(f"[bench-load] error: {error}", file=sys.stderr)
        return 1
    if args.json:
        args.json.write_text(json.dumps([run.summary() for run in runs], ensure_ascii=False, indent=2))
    print("\n" + report(runs, names, args.p95_ms))
    return 0 if any(run.passes(args.p95_ms) for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
