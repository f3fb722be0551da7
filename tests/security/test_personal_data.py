"""Personal data: retention purge and forget over every store, audited; no values in SQL errors."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from service.admin.__main__ import main
from service.admin.db import make_engine, migrate
from service.admin.models import UserRow
from service.main import create_app
from service.privacy import BareSenderIdError, forget, purge
from service.schemas import Referral
from service.settings import Settings
from service.store import FeedbackRow, ReferralRow, Store, TurnRow

PERSON = Referral(name="王五", company="某某科技", phone="13912345678")


def tracker(path: Path, rows: list[tuple[str, float]]) -> Path:
    """A stand-in for Rasa's SQLite tracker store: the `events` table with the columns the purge reads."""
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL, data TEXT)"
        )
        connection.executemany("INSERT INTO events (sender_id, timestamp, data) VALUES (?, ?, '{}')", rows)
    return path


def count_events(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT sender_id FROM events ORDER BY id")]


def fill(store: Store) -> None:
    for sender in ("web:alice", "wechat:oBob"):
        store.log_turn(sender, sender.split(":")[0], "你好", fallback=False)
        store.add_referral(sender, PERSON)
        store.add_feedback(sender, "up", "你好", "答")


def age(store: Store, sender_id: str, days: int) -> datetime:
    """Backdates one sender's turns, referrals and feedback by `days`; returns the moment."""
    moment = datetime.now(UTC) - timedelta(days=days)
    with store.engine.begin() as connection:
        for table in (TurnRow, ReferralRow, FeedbackRow):
            connection.execute(update(table).where(table.sender_id == sender_id).values(created_at=moment))
    return moment


def test_purge_deletes_everything_older_than_the_retention(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'gateway.db'}")
    fill(store)
    old = age(store, "web:alice", 200)
    events = tracker(tmp_path / "rasa-tracker.db", [("web:alice", old.timestamp()), ("wechat:oBob", 1e12)])
    deleted = purge(store, events, datetime.now(UTC) - timedelta(days=180))
    assert deleted.gateway == {
        "turns": 1,
        "feedback": 1,
        "referrals": 1,
        "pending_turns": 0,
        "checkup_reports": 0,
    }
    assert deleted.tracker_events == 1
    assert {row.sender_id for row in store.turns() + store.referrals() + store.feedback()} == {"wechat:oBob"}
    assert count_events(events) == ["wechat:oBob"]


def test_forget_deletes_one_person_everywhere(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'gateway.db'}")
    fill(store)
    events = tracker(tmp_path / "rasa-tracker.db", [("wechat:oBob", 1.0), ("web:alice", 2.0)])
    deleted = forget(store, events, "wechat:oBob")
    assert deleted.gateway["referrals"] == 1 and deleted.tracker_events == 1
    assert {row.sender_id for row in store.turns() + store.referrals() + store.feedback()} == {"web:alice"}
    assert count_events(events) == ["web:alice"]


def test_forget_needs_the_channel_or_an_explicit_all_channels(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'gateway.db'}")
    for sender in ("web:oBob", "wechat:oBob"):  # a visitor who typed a WeChat user's openid as sender id
        store.add_referral(sender, PERSON)
    with pytest.raises(BareSenderIdError):
        forget(store, None, "oBob")
    assert len(store.referrals()) == 2
    assert forget(store, None, "oBob", all_channels=True).gateway["referrals"] == 2




def audited(var_dir: Path, action: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(var_dir / "knowledge.db") as connection:
        query = "SELECT actor, target, detail FROM admin_audit WHERE action = ?"
        return [tuple(row) for row in connection.execute(query, (action,))]


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The command line's settings pointed at tmp_path; the gateway store it works on, filled."""
    monkeypatch.setenv("IPGP_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IPGP_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.chdir(tmp_path)
    from service.admin.settings import get_admin_settings
    from service.settings import get_settings

    get_settings.cache_clear()
    get_admin_settings.cache_clear()
    store = Store(f"sqlite:///{tmp_path / 'var' / 'gateway.db'}")
    fill(store)
    yield store
    get_settings.cache_clear()
    get_admin_settings.cache_clear()


def test_the_forget_command_is_audited(tmp_path: Path, cli_env: Store) -> None:
    assert main(["forget", "alice"]) == 2  # which channel's alice?
    assert len(cli_env.referrals()) == 2 and audited(tmp_path / "var", "forget") == []
    assert main(["forget", "web:alice"]) == 0
    assert {row.sender_id for row in cli_env.referrals()} == {"wechat:oBob"}
    [(actor, target, _)] = audited(tmp_path / "var", "forget")
    assert actor == "cli" and target.startswith("会话 ") and "alice" not in target


def test_the_purge_command_deletes_what_is_older_than_the_retention_and_is_audited(
    tmp_path: Path, cli_env: Store
) -> None:
    age(cli_env, "web:alice", 181)
    assert main(["purge"]) == 0
    assert {row.sender_id for row in cli_env.turns() + cli_env.referrals()} == {"wechat:oBob"}
    [(actor, target, detail)] = audited(tmp_path / "var", "purge")
    assert (actor, target) == ("cli", "180 天以前") and "referrals 1" in detail


def gateway_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(var_dir=tmp_path / "var", index_dir=tmp_path / "index", action_port=1, **overrides)


def test_the_gateway_purges_on_its_own_and_audits_it(tmp_path: Path) -> None:
    settings = gateway_settings(tmp_path)
    store = Store(settings.effective_database_url)
    fill(store)
    age(store, "web:alice", 181)
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 10
        while any(row.sender_id == "web:alice" for row in store.referrals()) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert {row.sender_id for row in store.turns() + store.referrals()} == {"wechat:oBob"}
    [(actor, target, detail)] = audited(settings.var_dir, "purge")
    assert (actor, target) == ("system", "180 天以前") and "referrals 1" in detail


def test_the_gateway_purge_can_be_turned_off(tmp_path: Path) -> None:
    settings = gateway_settings(tmp_path, purge_interval_s=0)
    store = Store(settings.effective_database_url)
    fill(store)
    age(store, "web:alice", 181)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz/live").status_code == 200
    assert len(store.referrals()) == 2 and audited(settings.var_dir, "purge") == []


def test_sql_errors_never_carry_the_values(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'gateway.db'}")
    store.begin_turn("k" * 32, "web:alice", "web", "我叫王五，电话13912345678")
    with pytest.raises(IntegrityError) as caught:
        store.begin_turn("k" * 32, "web:alice", "web", "我叫王五，电话13912345678")
    assert "王五" not in str(caught.value) and "13912345678" not in str(caught.value)


def test_knowledge_store_errors_never_carry_the_values(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'knowledge.db'}")
    migrate(engine)
    row = {"username": "王五13912345678", "password_hash": "x", "role": "editor"}
    with pytest.raises(IntegrityError) as caught, engine.begin() as connection:
        connection.execute(insert(UserRow), [row, row])
    assert "UNIQUE" in str(caught.value) and "13912345678" not in str(caught.value)
    # PostgreSQL (scale-out) gets the same engine option; building the engine does not connect
    assert make_engine("postgresql+psycopg://ipgp@127.0.0.1:5432/ipgp").hide_parameters
