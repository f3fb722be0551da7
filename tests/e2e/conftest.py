"""Brings the whole bot up (Rasa, action server, gateway) on free ports for end-to-end tests."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.settings import Settings
from service.supervisor import ROOT, Supervisor, specs

RASA_BIN = Path(os.environ.get("IPGP_RASA_BIN", ROOT / ".venv-rasa" / "bin" / "rasa"))
RASA_MODEL = Path(os.environ.get("IPGP_RASA_MODEL", ROOT / "models" / "ipgp.tar.gz"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class RunningBot:
    url: str
    supervisor: Supervisor
    settings: Settings
    log_dir: Path


@pytest.fixture(scope="session")
def running_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    for needed in (RASA_BIN, RASA_MODEL):
        if not needed.exists():
            pytest.fail(f"{needed} is missing: run `make test`, which builds it first")
    var_dir = tmp_path_factory.mktemp("bot-var")
    settings = Settings(port=free_port(), rasa_port=free_port(), action_port=free_port(), var_dir=var_dir)
    supervisor = Supervisor(specs(settings, RASA_BIN, RASA_MODEL), log_dir=var_dir / "logs")
    supervisor.start()
    try:
        supervisor.wait_healthy(timeout_s=240)
        yield RunningBot(f"http://{settings.host}:{settings.port}", supervisor, settings, var_dir / "logs")
    finally:
        supervisor.stop()
