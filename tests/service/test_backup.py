"""`python -m service.admin backup DIR`: an online copy of every SQLite store that restores and reads back."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.admin.__main__ import main as cli
from service.admin.settings import AdminSettings, get_admin_settings
from service.admin.state import AdminState
from service.settings import Settings, get_settings
from service.store import Store
from tests.service.test_admin_helpers import write_knowledge


@pytest.fixture
def var_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    var = tmp_path / "var"
    monkeypatch.setenv("IPGP_VAR_DIR", str(var))
    monkeypatch.setenv("IPGP_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("IPGP_KNOWLEDGE_DIR", str(write_knowledge(tmp_path / "knowledge")))
    monkeypatch.setenv("IPGP_ADMIN_PASSWORD", "a-long-enough-password")
    get_settings.cache_clear()
    get_admin_settings.cache_clear()
    yield var
    get_settings.cache_clear()
    get_admin_settings.cache_clear()


def test_a_backup_restores_into_a_fresh_directory_and_reads_back(tmp_path: Path, var_env: Path) -> None:
    assert cli(["create-admin", "chief"]) == 0  # the knowledge store, seeded, with one user
    live = Store(f"sqlite:///{var_env / 'gateway.db'}")
    live.log_turn("web:alice", "web", "专利资助怎么申请", fallback=False)
    with sqlite3.connect(var_env / "rasa-tracker.db") as connection:
        connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, data TEXT)")
        connection.execute("INSERT INTO events (sender_id, data) VALUES ('web:alice', '{}')")
    # the gateway keeps its connection open while the backup runs
    assert cli(["backup", str(tmp_path / "backup")]) == 0
    live.log_turn("web:bob", "web", "备份之后的提问", fallback=False)
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    assert [s["file"] for s in manifest["stores"]] == ["gateway.db", "knowledge.db", "rasa-tracker.db"]
    assert cli(["backup", str(tmp_path / "backup")]) == 1  # never overwrites a backup

    restored = tmp_path / "restored"
    restored.mkdir()
    for copy in (tmp_path / "backup").glob("*.db"):
        shutil.copy(copy, restored / copy.name)
    store = Store(f"sqlite:///{restored / 'gateway.db'}")
    assert [(t.sender_id, t.message) for t in store.turns()] == [("web:alice", "专利资助怎么申请")]
    settings = Settings(var_dir=restored, index_dir=tmp_path / "index")
    state = AdminState.build(settings, AdminSettings(knowledge_dir=tmp_path / "no-seed"))
    state.startup()
    try:
        assert [u.username for u in state.accounts.users()] == ["chief"]
        assert state.accounts.login("chief", "a-long-enough-password").user.role == "admin"
        assert [e.key for e in state.store.entries("station")] == ["north-station", "copyright-desk"]
    finally:
        state.engine.dispose()
    with sqlite3.connect(restored / "rasa-tracker.db") as connection:
        assert connection.execute("SELECT sender_id FROM events").fetchall() == [("web:alice",)]


def test_stores_that_are_not_sqlite_are_named_as_skipped(tmp_path: Path) -> None:
    from service.backup import backup, sqlite_path

    assert sqlite_path("postgresql+psycopg://u:p@db/ipgp") is None
    assert sqlite_path("sqlite:///var/gateway.db") == Path("var/gateway.db")
    copied = backup(tmp_path / "b", {"gateway": None, "knowledge": tmp_path / "missing.db"})
    assert [c.file for c in copied] == ["", ""] and "pg_dump" in copied[0].note
