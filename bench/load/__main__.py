"""Load tool: fixed-rate load on running gateways (loopback only), p50/p95/p99, errors, resident memory.

python -m bench.load --url http://127.0.0.1:8000 --rate 5 --duration 300 --mix chat,wechat --wechat-token T
python -m bench.load --url URL1,URL2 --ports 8000,5005,5055,8001,5006,5056 --ramp 1,2,4,8 --duration 30

--ramp runs each rate in turn and stops after the first that misses p95 < --p95-ms or has an error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlparse

from bench.load.runner import MAX_DURATION_S, MAX_RATE, ramp
from bench.webhook import Signer

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DEFAULT_PORTS = (5005, 5055)  # Rasa and the action server of the single-machine default


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--url", required=True, help="gateway URL(s), comma-separated; requests spread at random"
    )
    parser.add_argument("--rate", type=float, default=2.0, help=f"requests per second (max {MAX_RATE:.0f})")
    parser.add_argument("--ramp", default="", help="comma-separated rates to try in turn instead of --rate")
    parser.add_argument(
        "--duration", type=float, default=60.0, help=f"seconds per rate (max {MAX_DURATION_S:.0f})"
    )
    parser.add_argument("--mix", default="chat", help="chat, wechat or chat,wechat (alternating)")
    parser.add_argument(
        "--wechat-token", default="", help="the gateways' IPGP_WECHAT_TOKEN (for --mix wechat)"
    )
    parser.add_argument(
        "--ports", default="", help="ports whose processes' memory is sampled (default: URLs' + 5005,5055)"
    )
    parser.add_argument("--timeout", type=float, default=15.0, help="client timeout per request, seconds")
    parser.add_argument(
        "--p95-ms", type=float, default=500.0, help="--ramp passes a rate while p95 is under this"
    )
    parser.add_argument("--json", type=Path, help="also write the summaries here")
    args = parser.parse_args(argv)
    args.urls = [url.strip().rstrip("/") for url in args.url.split(",") if url.strip()]
    for url in args.urls:
        if urlparse(url).hostname not in LOOPBACK:
            parser.error(f"{url}: the load tool only talks to this machine (127.0.0.1)")
    args.mix = [part.strip() for part in args.mix.split(",") if part.strip()]
    if not args.mix or set(args.mix) - {"chat", "wechat"}:
        parser.error("--mix takes chat, wechat or chat,wechat")
    if "wechat" in args.mix and not args.wechat_token:
        parser.error("--mix wechat needs --wechat-token")
    args.rates = [float(rate) for rate in args.ramp.split(",") if rate.strip()] or [args.rate]
    if not all(0 < rate <= MAX_RATE for rate in args.rates) or not 0 < args.duration <= MAX_DURATION_S:
        parser.error(f"rates must be in (0, {MAX_RATE:.0f}] and --duration in (0, {MAX_DURATION_S:.0f}]")
    ports = [int(port) for port in args.ports.split(",") if port.strip()]
    args.port_set = set(ports) or {urlparse(url).port or 80 for url in args.urls} | set(DEFAULT_PORTS)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signer = Signer(args.wechat_token, None) if args.wechat_token else None
    runs = ramp(
        args.urls,
        args.rates,
        p95_ms=args.p95_ms,
        duration_s=args.duration,
        mix=args.mix,
        signer=signer,
        ports=args.port_set,
        timeout_s=args.timeout,
    )
    if args.json:
        args.json.write_text(json.dumps([run.summary() for run in runs], ensure_ascii=False, indent=2))
    good = [run.rate for run in runs if run.passes(args.p95_ms)]
    if len(args.rates) > 1:
        print(f"\nhighest passing rate: {max(good):g}/s" if good else "\nno rate passed")
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
