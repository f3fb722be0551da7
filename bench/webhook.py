"""Benchmark: /wechat latency (p50/p95/p99) for 1 and 20 concurrent simulated WeChat users, loopback only.

python -m bench.webhook --fake-rasa                 # starts a fake fast Rasa and a gateway
python -m bench.webhook --url http://127.0.0.1:8000 --token "$IPGP_WECHAT_TOKEN"
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import httpx

from bench.stats import percentile
from service.supervisor import gateway_command
from service.wechat import text
from service.wechat.crypto import MessageCrypto
from service.wechat.parse import safe_tree
from service.wechat.signature import sign

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_REQUESTS = 5000
MAX_THINK_S = 60.0
QUESTIONS = [
    "你好",
    "知识产权质押贷款有贴息吗？",
    "我们在五角场，想注册商标",
    "专利资助怎么申请？",
    "商标被人抢注了怎么办？",
]
BENCH_TOKEN = "bench-token"
BENCH_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
BENCH_APP_ID = "wxbench000000000"
FAKE_REPLY = [
    {"text": "（基准测试）固定答复。", "buttons": [{"title": "下一步", "payload": "/next"}]},
    {
        "custom": {
            "reply": {
                "body": "（基准测试）固定答复。",
                "sources": [{"title": "基准测试来源", "number": "测试〔2024〕1号", "status": "current"}],
            }
        }
    },
]


@dataclass
class Level:
    users: int
    latencies_ms: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0


OUTCOMES = {
    "answered": "passive reply with the bot's answer",
    "late": "passive apology: the answer missed the reply deadline (no message API configured)",
    "down": "passive apology: Rasa unavailable",
    "success": "`success`: the message API delivers the answer later",
    "error": "HTTP error or no response",
}


class Signer:
    """Builds signed WeChat POSTs like WeChat's servers do, in plaintext or safe (AES) mode."""

    def __init__(self, token: str, crypto: MessageCrypto | None) -> None:
        self._token = token
        self._crypto = crypto

    def request(self, openid: str, msg_id: int, content: str) -> tuple[dict[str, str], bytes]:
        timestamp, nonce = str(int(time.time())), f"n{msg_id}"
        params = {"signature": sign(self._token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        xml = (
            f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
        )
        if self._crypto is None:
            return params, xml.encode()
        envelope = self._crypto.encrypt(xml, nonce, timestamp)
        encrypted = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
        params |= {"encrypt_type": "aes", "msg_signature": sign(self._token, timestamp, nonce, encrypted)}
        return params, f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()

    def outcome(self, response: httpx.Response) -> str:
        """Which of OUTCOMES a webhook response is (decrypting safe-mode replies)."""
        if response.status_code != 200:
            return "error"
        if response.text == "success":
            return "success"
        xml = response.text
        if self._crypto is not None:
            envelope = safe_tree(response.content)
            parts = [
                envelope.findtext(name) or "" for name in ("Encrypt", "MsgSignature", "TimeStamp", "Nonce")
            ]
            xml = self._crypto.decrypt(*parts)
        content = safe_tree(xml.encode()).findtext("Content") or ""
        return {text.STILL_WORKING: "late", text.RASA_DOWN: "down"}.get(content, "answered")


async def run_level(
    url: str, signer: Signer, users: int, requests: int, run_id: int, think_s: float = 0.0
) -> Level:
    """`users` concurrent users; each sends its next message `think_s` seconds after the last reply."""
    level = Level(users)
    counter = itertools.count()
    msg_ids = itertools.count(run_id * 10_000_000)

    async def user(index: int, client: httpx.AsyncClient) -> None:
        openid = f"oBench{run_id}_{users}_{index}"
        while next(counter) < requests:
            msg_id = next(msg_ids)
            params, body = signer.request(openid, msg_id, QUESTIONS[msg_id % len(QUESTIONS)])
            started = time.perf_counter()
            try:
                response = await client.post(f"{url}/wechat", params=params, content=body)
            except httpx.HTTPError:
                level.outcomes["error"] += 1
                continue
            level.latencies_ms.append((time.perf_counter() - started) * 1000)
            level.outcomes[signer.outcome(response)] += 1
            if think_s:
                await asyncio.sleep(think_s)

    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(user(index, client) for index in range(users)))
        level.wall_s = time.perf_counter() - started
    return level


def report(levels: list[Level], title: str) -> None:
    print(f"\nWeChat webhook latency: {title}")
    names = list(OUTCOMES)
    header = ["users", "requests", *names, "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s"]
    print(" ".join(f"{name:>8}" for name in header))
    for level in levels:
        values = level.latencies_ms or [float("nan")]
        counts = [level.outcomes[name] for name in names]
        rate = len(level.latencies_ms) / level.wall_s if level.wall_s else 0.0
        numbers = [percentile(values, 50), percentile(values, 95), percentile(values, 99), max(values), rate]
        print(" ".join(f"{value:>8}" for value in [level.users, len(level.latencies_ms), *counts]), end=" ")
        print(" ".join(f"{value:>8.1f}" for value in numbers))
    for name, meaning in OUTCOMES.items():
        print(f"  {name}: {meaning}")


def serve_fake_rasa(port: int) -> None:
    """A Rasa stand-in that answers at once (measures the gateway, not NLU)."""
    body = json.dumps(FAKE_REPLY, ensure_ascii=False).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._send(b"{}")

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._send(body)

        def _send(self, data: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # the default backlog of 5 resets connections under 20 users
        daemon_threads = True

    Server(("127.0.0.1", port), Handler).serve_forever()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def fake_stack(var_dir: Path) -> Iterator[str]:
    """Fake Rasa and a real gateway (uvicorn, one worker) as child processes on free loopback ports."""
    rasa_port, gateway_port = free_port(), free_port()
    env = {
        **os.environ,
        "IPGP_RASA_PORT": str(rasa_port),
        "IPGP_PORT": str(gateway_port),
        "IPGP_VAR_DIR": str(var_dir),
        "IPGP_WECHAT_TOKEN": BENCH_TOKEN,
        "IPGP_WECHAT_ENCODING_AES_KEY": BENCH_AES_KEY,
        "IPGP_WECHAT_APP_ID": BENCH_APP_ID,
    }
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.webhook", "--serve-fake-rasa", str(rasa_port)], env=env
        ),
        subprocess.Popen(
            [*gateway_command("127.0.0.1", gateway_port), "--log-level", "warning", "--no-access-log"],
            env=env,
        ),
    ]
    url = f"http://127.0.0.1:{gateway_port}"
    try:
        deadline = time.monotonic() + 60
        while not _up(url):
            if time.monotonic() > deadline or any(child.poll() is not None for child in children):
                raise SystemExit("the fake stack did not start")
            time.sleep(0.2)
        yield url
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(10)


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/widget.js", timeout=1).is_success
    except httpx.HTTPError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a running gateway (loopback only)")
    parser.add_argument("--token", default=os.environ.get("IPGP_WECHAT_TOKEN", ""))
    parser.add_argument("--aes-key", default=os.environ.get("IPGP_WECHAT_ENCODING_AES_KEY", ""))
    parser.add_argument("--app-id", default=os.environ.get("IPGP_WECHAT_APP_ID", ""))
    parser.add_argument("--fake-rasa", action="store_true", help="start a fake fast Rasa and a gateway first")
    parser.add_argument("--mode", choices=["plain", "aes"], default="plain")
    parser.add_argument("--users", type=int, nargs="+", default=[1, 20])
    parser.add_argument(
        "--requests", type=int, default=200, help=f"per concurrency level (max {MAX_REQUESTS})"
    )
    parser.add_argument(
        "--think", type=float, default=0.0, help="seconds a user waits after a reply (0: closed loop)"
    )
    parser.add_argument("--serve-fake-rasa", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fake_rasa:
        serve_fake_rasa(args.serve_fake_rasa)
        return 0
    if not 1 <= args.requests <= MAX_REQUESTS or not all(1 <= users <= 100 for users in args.users):
        parser.error(f"--requests must be 1..{MAX_REQUESTS} and --users 1..100")
    if not 0 <= args.think <= MAX_THINK_S:
        parser.error(f"--think must be 0..{MAX_THINK_S:g} seconds")
    if args.fake_rasa:
        args.token, args.aes_key, args.app_id = BENCH_TOKEN, BENCH_AES_KEY, BENCH_APP_ID
        with tempfile.TemporaryDirectory() as var_dir, fake_stack(Path(var_dir)) as url:
            return bench(url, args, "fake fast Rasa")
    if not args.url or not args.token:
        parser.error("give --url and --token (or IPGP_WECHAT_TOKEN), or use --fake-rasa")
    if urlparse(args.url).hostname not in LOOPBACK:
        parser.error("the benchmark only talks to a gateway on this machine (127.0.0.1)")
    return bench(args.url.rstrip("/"), args, f"gateway at {args.url}")


def bench(url: str, args: argparse.Namespace, what: str) -> int:
    crypto = MessageCrypto(args.token, args.aes_key, args.app_id) if args.mode == "aes" else None
    signer = Signer(args.token, crypto)
    asyncio.run(run_level(url, signer, 1, 5, run_id=0))  # warm-up: connections, caches, first SQLite write
    run_id = int(time.time()) % 100
    levels = [
        asyncio.run(run_level(url, signer, users, args.requests, run_id * 100 + users, args.think))
        for users in args.users
    ]
    pace = f", {args.think:g} s between a reply and the next message" if args.think else ", closed loop"
    report(levels, f"{what}, {args.mode} mode, {args.requests} requests per level{pace}")
    return 1 if any(level.outcomes["error"] for level in levels) else 0


if __name__ == "__main__":
    sys.exit(main())
