"""Scale-out fixtures: the machine's Redis and PostgreSQL, with a fresh key prefix and database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
import pytest
import redis
from psycopg import sql

REDIS_URL = os.environ.get("IPGP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PG_HOST = os.environ.get("IPGP_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("IPGP_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("IPGP_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("IPGP_TEST_PG_DB", "test")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scale: needs the machine's PostgreSQL and Redis (scale-out setup)")


@contextmanager
def fresh_redis_prefix() -> Iterator[str]:
    """A key prefix of its own whose keys are deleted afterwards. Fails (not skips) when Redis is down."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({error}); start it (see README, Scale-out)")
    prefix = f"ipgp-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    with fresh_redis_prefix() as prefix:
        yield prefix


@pytest.fixture(scope="module")
def redis_prefix_module() -> Iterator[str]:
    with fresh_redis_prefix() as prefix:
        yield prefix


@dataclass(frozen=True)
class PgDatabase:
    host: str
    port: int
    user: str
    name: str

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{self.name}"


def _admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=PG_ADMIN_DB, autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT} ({error}); start it (README, Scale-out)"
        )


@contextmanager
def fresh_pg_database() -> Iterator[PgDatabase]:
    """A database created for the caller and dropped afterwards (with any connection left to it)."""
    name = f"ipgp_scale_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield PgDatabase(PG_HOST, PG_PORT, PG_USER, name)
    with _admin_connection() as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def pg_database() -> Iterator[PgDatabase]:
    with fresh_pg_database() as database:
        yield database


@pytest.fixture(scope="module")
def pg_database_module() -> Iterator[PgDatabase]:
    with fresh_pg_database() as database:
        yield database
