"""service.actions_entry: rasa_sdk's app served by one process, and the warm-up thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from bench.load.procs import children
from service import actions_entry
from service.supervisor import ROOT
from tests.e2e.conftest import free_port

ACTIONS = """
import logging

from rasa_sdk import Action
from rasa_sdk.events import SlotSet


class ActionEcho(Action):
    def name(self) -> str:
        return "action_echo"

    async def run(self, dispatcher, tracker, domain):
        logging.getLogger("echo_actions").info("echoing")
        dispatcher.utter_message(text="回声：" + tracker.latest_message.get("text", ""))
        return [SlotSet("echoed", True)]
"""
REQUEST_ID = "req-from-gateway-1"


def _webhook_call(text: str) -> dict[str, object]:
    tracker = {
        "sender_id": "s1",
        "slots": {},
        "latest_message": {"text": text, "metadata": {"request_id": REQUEST_ID}},  # as Rasa passes it on
        "events": [],
        "active_loop": {},
    }
    return {"next_action": "action_echo", "sender_id": "s1", "tracker": tracker, "domain": {}}


def test_serves_rasa_sdk_actions_from_one_process(tmp_path: Path) -> None:
    (tmp_path / "echo_actions.py").write_text(ACTIONS, encoding="utf-8")
    port = free_port()
    stderr = (tmp_path / "stderr.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "service.actions_entry", "--actions", "echo_actions", "--port", str(port)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "SANIC_HOST": "127.0.0.1"},
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "the action server exited"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "no /health within 60 s"
            time.sleep(0.2)
        answer = httpx.post(f"http://127.0.0.1:{port}/webhook", json=_webhook_call("你好"), timeout=10).json()
        family = children(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=20)
        stderr.close()
    assert answer["responses"][0]["text"] == "回声：你好"
    lines = [json.loads(line) for line in (tmp_path / "stderr.log").read_text().splitlines() if line]
    echoed = [line for line in lines if line["logger"] == "echo_actions"]  # every line is JSON
    assert [(line["message"], line.get("request_id")) for line in echoed] == [("echoing", REQUEST_ID)]
    assert answer["events"][0] == {"event": "slot", "timestamp": None, "name": "echoed", "value": True}
    assert family == [server.pid]  # no worker manager, resource tracker or worker process


def test_warm_up_runs_the_actions_warm_up_on_a_daemon_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    from actions import resources

    ran = threading.Event()
    monkeypatch.setattr(resources, "warm_up", ran.set)
    thread = actions_entry.warm_up_in_background()
    thread.join(timeout=5)
    assert ran.is_set() and thread.daemon


def test_options_are_rasa_sdks_plus_warm_up() -> None:
    args = actions_entry.parse_args(["--actions", "actions", "--port", "5099", "--warm-up"])
    assert (args.actions, args.port, args.warm_up) == ("actions", 5099, True)
    assert actions_entry.parse_args(["--port", "1"]).warm_up is False
