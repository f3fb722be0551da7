"""Starts Rasa, the action server and the gateway; waits until healthy; stops all three together."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlparse

import httpx

from service.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent


class StartupError(Exception):
    """A process died or did not become healthy in time."""


@dataclass
class Spec:
    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)


def settings_env(settings: Settings) -> dict[str, str]:
    """The supervisor's settings as IPGP_* variables, so every child sees the same values."""
    return {
        f"IPGP_{name.upper()}": str(value)
        for name, value in settings.model_dump().items()
        if value is not None and name in Settings.model_fields
    }


def with_rasa_token(settings: Settings) -> Settings:
    """Settings with a Rasa API token: the configured one, else a random one for this run."""
    if settings.rasa_token:
        return settings
    return settings.model_copy(update={"rasa_token": secrets.token_urlsafe(32)})


def rasa_auth_args(settings: Settings) -> list[str]:
    """`--auth-token`: Rasa's HTTP API (trackers, events) answers only requests that carry it.

    The REST channel the gateway chats through is not part of that API and needs no token.
    """
    return ["--auth-token", settings.rasa_token] if settings.rasa_token else []


def gateway_log_args(settings: Settings) -> list[str]:
    """JSON log lines with the request id (service.logs), unless IPGP_LOG_FORMAT=text."""
    if settings.log_format != "json":
        return []
    return ["--log-config", str(Path(__file__).resolve().parent / "log_config.json")]


def rasa_endpoints(settings: Settings) -> str:
    """endpoints.scale.yml (PostgreSQL tracker store, Redis lock store) in scale-out, else endpoints.yml."""
    return "endpoints.scale.yml" if settings.scale_out else "endpoints.yml"


def lock_store_env(settings: Settings) -> dict[str, str]:
    """IPGP_REDIS_HOST/PORT/DB for Rasa's Redis lock store, from the gateway's IPGP_REDIS_URL."""
    if not settings.scale_out:
        return {}
    url = urlparse(settings.redis_url or "redis://127.0.0.1:6379/0")
    database = url.path.strip("/") or "0"
    return {
        "IPGP_REDIS_HOST": url.hostname or "127.0.0.1",
        "IPGP_REDIS_PORT": str(url.port or 6379),
        "IPGP_REDIS_DB": database,
    }


def gateway_command(host: str, port: int) -> list[str]:
    """The gateway under uvicorn, bound to host:port (options such as logging go after it)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "service.main:create_app",
        "--host",
        host,
        "--port",
        str(port),
    ]


def rasa_command(rasa_bin: Path) -> list[str]:
    """Rasa's CLI through our entry point (service/rasa_entry.py), with the interpreter of rasa_bin's venv."""
    return [str(rasa_bin.with_name("python")), "-m", "service.rasa_entry"]


# rasa_sdk served by one process (service/actions_entry.py), with the embedding model loaded at start.
ACTIONS_COMMAND = [sys.executable, "-m", "service.actions_entry"]


def specs(settings: Settings, rasa_bin: Path, model: Path) -> list[Spec]:
    """Command lines of the three processes, bound to the configured hosts and ports."""
    tracker_db = (settings.var_dir / "rasa-tracker.db").resolve()
    common = settings_env(settings)
    return [
        Spec(
            "action-server",
            [*ACTIONS_COMMAND, "--actions", "actions", "--port", str(settings.action_port), "--warm-up"],
            f"{settings.action_url}/health",
            {**common, "SANIC_HOST": settings.action_host},
        ),
        Spec(
            "rasa",
            [
                *rasa_command(rasa_bin),
                "run",
                "--enable-api",
                "--model",
                str(model),
                "--interface",
                settings.rasa_host,
                "--port",
                str(settings.rasa_port),
                "--endpoints",
                rasa_endpoints(settings),
                "--credentials",
                "credentials.yml",
                *rasa_auth_args(settings),
            ],
            f"{settings.rasa_url}/",
            {
                **common,
                "RASA_TELEMETRY_ENABLED": "false",
                "IPGP_ACTION_ENDPOINT": f"{settings.action_url}/webhook",
                "IPGP_TRACKER_DB": str(tracker_db),
                **lock_store_env(settings),
            },
        ),
        Spec(
            "gateway",
            [*gateway_command(settings.host, settings.port), *gateway_log_args(settings)],
            f"http://{settings.host}:{settings.port}/healthz",
            common,
        ),
    ]


class Supervisor:
    """Owns the child processes; usable from `make run` and from integration tests."""

    def __init__(
        self, processes: list[Spec], log_dir: Path | None = None, base_env: dict[str, str] | None = None
    ) -> None:
        self.specs = processes
        self.log_dir = log_dir
        self.base_env = dict(os.environ) if base_env is None else base_env
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []

    def start(self) -> None:
        for spec in self.specs:
            output: IO[bytes] | None = None
            if self.log_dir is not None:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                output = open(self.log_dir / f"{spec.name}.log", "wb")
                self._logs.append(output)
            self.children[spec.name] = subprocess.Popen(
                spec.argv,
                cwd=ROOT,
                env={**self.base_env, **spec.env},
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                start_new_session=True,  # Ctrl-C reaches the supervisor only; it stops children in order
            )

    def wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        pending = {spec.name: spec.health_url for spec in self.specs}
        with httpx.Client(timeout=2.0) as client:
            while pending:
                self.raise_if_dead()
                for name, url in list(pending.items()):
                    if _healthy(client, url):
                        print(f"[supervisor] {name} is up ({url})", flush=True)
                        del pending[name]
                if time.monotonic() > deadline:
                    raise StartupError(f"not healthy after {timeout_s:.0f}s: {', '.join(pending)}")
                time.sleep(0.5)

    def raise_if_dead(self) -> None:
        for name, child in self.children.items():
            code = child.poll()
            if code is not None:
                raise StartupError(f"{name} exited with code {code}")

    def stop(self, grace_s: float = 10.0) -> None:
        for child in reversed(list(self.children.values())):
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for name, child in self.children.items():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"[supervisor] {name} did not stop in {grace_s:.0f}s; killing", flush=True)
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        for log in self._logs:
            log.close()


def _healthy(client: httpx.Client, url: str) -> bool:
    try:
        response = client.get(url)
    except httpx.HTTPError:
        return False
    return response.is_success


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the whole bot: Rasa, action server and gateway.")
    parser.add_argument("--rasa-bin", type=Path, default=ROOT / ".venv-rasa" / "bin" / "rasa")
    parser.add_argument("--model", type=Path, default=ROOT / "models")
    parser.add_argument("--startup-timeout", type=float, default=180.0)
    args = parser.parse_args()
    settings = with_rasa_token(get_settings())  # children get it through settings_env (IPGP_RASA_TOKEN)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(specs(settings, args.rasa_bin, args.model))

    def _terminate(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # explicit for SIGINT too: a shell that starts us in the background leaves SIGINT ignored
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    try:
        supervisor.start()
        supervisor.wait_healthy(args.startup_timeout)
        print(f"\n杨浦知识产权全科医生已启动：{settings.chat_page_url}\n(Ctrl-C to stop)", flush=True)
        while True:
            supervisor.raise_if_dead()
            time.sleep(1.0)
    except StartupError as error:
        print(f"[supervisor] error: {error}; stopping the others", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\n[supervisor] stopping…", flush=True)
        return 0
    finally:
        supervisor.stop()


if __name__ == "__main__":
    sys.exit(main())
