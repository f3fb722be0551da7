"""bench.webhook's users: closed loop by default, or a pause after every reply (--think)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.webhook import Signer, run_level


class _Success(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "7")
        self.end_headers()
        self.wfile.write(b"success")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Success)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_users_pause_after_each_reply_when_told(gateway: str) -> None:
    signer = Signer("token", None)
    closed = asyncio.run(run_level(gateway, signer, users=2, requests=6, run_id=1))
    paced = asyncio.run(run_level(gateway, signer, users=2, requests=6, run_id=2, think_s=0.25))
    assert closed.outcomes["success"] == paced.outcomes["success"] == 6
    assert paced.wall_s >= 3 * 0.25  # each user: three messages, a pause after each
    assert closed.wall_s < 0.5
