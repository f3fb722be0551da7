"""Brings the whole bot up (Rasa, action server, gateway) on free ports for end-to-end tests."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from retrieval.store import BUILDS, current_target, switch_current
from service.main import create_app
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


def private_index(index_dir: Path) -> Path:
    """A copy of the live build made by `make`, so tests that publish never touch .cache/index."""
    live = current_target(ROOT / ".cache" / "index")
    if live is None:
        pytest.fail("no index in .cache/index: run `make test`, which builds it first")
    shutil.copytree(live, index_dir / BUILDS / live.name, symlinks=True)
    switch_current(index_dir, index_dir / BUILDS / live.name)
    return index_dir


@contextmanager
def bot_in(var_dir: Path, env: dict[str, str] | None = None) -> Iterator[RunningBot]:
    """The three processes on free ports with their files in var_dir; `env` adds to this process's."""
    for needed in (RASA_BIN, RASA_MODEL):
        if not needed.exists():
            pytest.fail(f"{needed} is missing: run `make test`, which builds it first")
    settings = Settings(
        port=free_port(),
        rasa_port=free_port(),
        action_port=free_port(),
        var_dir=var_dir,
        index_dir=private_index(var_dir / "index"),
    )
    supervisor = Supervisor(specs(settings, RASA_BIN, RASA_MODEL), log_dir=var_dir / "logs",
                            base_env={**os.environ, **(env or {})})
    supervisor.start()
    try:
        supervisor.wait_healthy(timeout_s=240)
        yield RunningBot(f"http://{settings.host}:{settings.port}", supervisor, settings, var_dir / "logs")
    finally:
        supervisor.stop()


@pytest.fixture(scope="session")
def running_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBot]:
    with bot_in(tmp_path_factory.mktemp("bot-var")) as bot:
        yield bot


# ---- Browser tests: Debian's chromium driven by Playwright, gateways in a thread -------------------

CHROMIUM = Path(os.environ.get("IPGP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")  # module: a live sync Playwright loop breaks later asyncio.run()
def chromium() -> Iterator[Browser]:
    """One headless chromium for the session (never `playwright install`: the system binary is used)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-wqy-zenhei")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Browser) -> Iterator[Callable[..., Page]]:
    """Factory for pages in fresh browser contexts (own localStorage), closed after the test."""
    contexts: list[BrowserContext] = []

    def make(width: int = 1280, height: int = 860, **options: Any) -> Page:
        context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots land here (git-ignored) so CI can keep them."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@contextmanager
def gateway_in_thread(settings: Settings) -> Iterator[tuple[str, FastAPI]]:
    """The real gateway app served by uvicorn in a background thread of the test process."""
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("in-thread gateway did not start")
        time.sleep(0.05)
    try:
        yield f"http://{settings.host}:{settings.port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=15)
