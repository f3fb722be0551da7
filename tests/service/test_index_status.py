"""/healthz's index part reads the live build's manifest (built_at was always null before)."""

from __future__ import annotations

from pathlib import Path

from retrieval.store import build_index, read_manifest
from service.index_status import index_status
from tests.retrieval.conftest import FakeEncoder, write_knowledge


def test_the_gateway_reports_when_the_live_build_was_made(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    assert index_status(index_dir)["ready"] is False
    build_index(write_knowledge(tmp_path / "knowledge"), index_dir, FakeEncoder())
    status = index_status(index_dir)
    assert status["ready"] is True and status["built_at"]
    assert status["built_at"] == read_manifest(index_dir / "current").created_at
    assert status["counts"] == read_manifest(index_dir / "current").counts
