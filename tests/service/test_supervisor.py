"""The supervisor with stand-in processes: health wait, death reported, clean stop."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from service.settings import Settings
from service.supervisor import Spec, StartupError, Supervisor, specs
from tests.e2e.conftest import free_port

SERVE = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1"]


def test_waits_for_health_then_stops_everything(tmp_path: Path) -> None:
    port = free_port()
    supervisor = Supervisor([Spec("web", [*SERVE, str(port)], f"http://127.0.0.1:{port}/")], log_dir=tmp_path)
    supervisor.start()
    try:
        supervisor.wait_healthy(timeout_s=20)
        supervisor.raise_if_dead()
    finally:
        supervisor.stop(grace_s=5)
    assert supervisor.children["web"].poll() is not None
    assert (tmp_path / "web.log").exists()


def test_a_process_that_dies_is_reported_by_name(tmp_path: Path) -> None:
    dying = Spec("dying", [sys.executable, "-c", "import sys; sys.exit(3)"], "http://127.0.0.1:1/")
    supervisor = Supervisor([dying], log_dir=tmp_path)
    supervisor.start()
    try:
        with pytest.raises(StartupError, match="dying exited with code 3"):
            supervisor.wait_healthy(timeout_s=20)
    finally:
        supervisor.stop(grace_s=5)


def test_health_timeout_names_the_slow_process(tmp_path: Path) -> None:
    sleeper = Spec("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], "http://127.0.0.1:1/")
    supervisor = Supervisor([sleeper], log_dir=tmp_path)
    supervisor.start()
    started = time.monotonic()
    try:
        with pytest.raises(StartupError, match="sleeper"):
            supervisor.wait_healthy(timeout_s=1)
    finally:
        supervisor.stop(grace_s=5)
    assert time.monotonic() - started < 15


def test_rasa_starts_through_our_entry_point_with_its_venvs_python(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", index_dir=tmp_path / "i", action_port=1)
    rasa = next(
        s for s in specs(settings, Path("/opt/rasa-venv/bin/rasa"), Path("m.tar.gz")) if s.name == "rasa"
    )
    assert rasa.argv[:4] == ["/opt/rasa-venv/bin/python", "-m", "service.rasa_entry", "run"]
    assert rasa.argv[rasa.argv.index("--model") + 1] == "m.tar.gz"


def test_the_action_server_starts_as_one_process_that_warms_up(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", index_dir=tmp_path / "i", action_port=5099)
    actions = next(
        s for s in specs(settings, Path("/opt/rasa-venv/bin/rasa"), Path("m")) if s.name == "action-server"
    )
    assert actions.argv[:3] == [sys.executable, "-m", "service.actions_entry"]
    assert actions.argv[actions.argv.index("--port") + 1] == "5099" and "--warm-up" in actions.argv
