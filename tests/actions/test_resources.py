"""Routing reads the knowledge the live index was built from, so a staff publish reaches it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from actions import resources
from retrieval.settings import get_settings
from retrieval.store import BUILDS, SNAPSHOT_DIR, switch_current

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    shipped, index_dir = tmp_path / "knowledge", tmp_path / "index"
    shutil.copytree(KNOWLEDGE, shipped)
    index_dir.mkdir()
    monkeypatch.setenv("IPGP_KNOWLEDGE_DIR", str(shipped))
    monkeypatch.setenv("IPGP_INDEX_DIR", str(index_dir))
    get_settings.cache_clear()
    yield shipped, index_dir
    get_settings.cache_clear()


def publish(index_dir: Path, name: str, source: Path) -> Path:
    """A build directory holding only its knowledge snapshot (all routing reads), made live."""
    build = index_dir / BUILDS / name
    shutil.copytree(source, build / SNAPSHOT_DIR)
    switch_current(index_dir, build)
    return build / SNAPSHOT_DIR


def test_without_a_build_the_shipped_files_are_used(dirs: tuple[Path, Path]) -> None:
    shipped, _ = dirs
    assert resources.knowledge_root() == shipped


def test_a_published_station_change_reaches_routing(dirs: tuple[Path, Path]) -> None:
    shipped, index_dir = dirs
    first = publish(index_dir, "b1", shipped)
    station = resources.get_knowledge().stations[0]
    assert resources.knowledge_root() == first

    edited = index_dir.parent / "edited"
    shutil.copytree(shipped, edited)
    stations = edited / "stations.yml"
    text = stations.read_text(encoding="utf-8")
    assert f"name: {station.name}\n" in text
    stations.write_text(text.replace(f"name: {station.name}\n", "name: 新名称服务站\n", 1), encoding="utf-8")
    publish(index_dir, "b2", edited)
    reloaded = {s.id: s for s in resources.get_knowledge().stations}
    assert reloaded[station.id].name == "新名称服务站"


def test_the_action_server_registers_every_action_of_the_package() -> None:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    assert {"action_respond", "validate_handover_form", "validate_checkup_form"} <= set(executor.actions)
