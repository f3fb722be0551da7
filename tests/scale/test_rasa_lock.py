"""service.rasa_lock: two Rasa replicas never hold one conversation's lock at the same time.

Both checks run inside .venv-rasa against the machine's Redis, with Rasa's RedisLockStore beside ours:
an interleaving forced at the moment Rasa's store is racy (another replica issues a ticket between
this replica's read and write), and two processes running a non-atomic critical section under the lock.
"""

from __future__ import annotations

import json
import subprocess
from urllib.parse import urlparse

import pytest

from service.supervisor import ROOT
from tests.e2e.conftest import RASA_BIN
from tests.scale.conftest import REDIS_URL

pytestmark = pytest.mark.scale

PRELUDE = """
import json, sys
from rasa.core.lock import TicketLock
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from service.rasa_lock import AtomicRedisLockStore

host, port, db, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def store(kind):
    if kind == "rasa":
        return RedisLockStore(host=host, port=port, db=db, key_prefix=prefix)
    return AtomicRedisLockStore(EndpointConfig(host, port=port, db=db, key_prefix=prefix))
"""

# Replica A is between reading the lock and writing it back when replica B issues its ticket.
INTERLEAVED_TICKETS = (
    PRELUDE
    + """
results = {}
for kind in ("rasa", "ours"):
    replica_a, replica_b = store(kind), store(kind)
    conversation = f"interleaved-{kind}"
    original_issue = TicketLock.issue_ticket
    b_tickets, b_started = [], []

    def issue_while_b_issues(lock, lifetime):
        if not b_started:  # only A's first attempt is interrupted; B's own call and A's retry are not
            b_started.append(True)
            b_tickets.append(replica_b.issue_ticket(conversation, 60))
        return original_issue(lock, lifetime)

    TicketLock.issue_ticket = issue_while_b_issues
    a_ticket = replica_a.issue_ticket(conversation, 60)
    TicketLock.issue_ticket = original_issue
    stored = replica_a.get_lock(conversation)
    results[kind] = {"tickets": sorted([a_ticket, *b_tickets]), "stored": [t.number for t in stored.tickets]}
    replica_a.delete_lock(conversation)
print(json.dumps(results))
"""
)

# Each process increments a Redis counter by GET, sleep, SET under the conversation's lock.
CRITICAL_SECTION = (
    PRELUDE
    + """
import asyncio
kind, rounds = sys.argv[5], int(sys.argv[6])

async def main():
    lock_store = store(kind)
    counter = f"{prefix}:counter"
    for _ in range(rounds):
        async with lock_store.lock("shared-conversation", wait_time_in_seconds=0.01):
            value = int(lock_store.red.get(counter) or 0)
            await asyncio.sleep(0.005)
            lock_store.red.set(counter, value + 1)

asyncio.run(main())
"""
)


def redis_args(prefix: str) -> list[str]:
    url = urlparse(REDIS_URL)
    return [url.hostname or "127.0.0.1", str(url.port or 6379), url.path.strip("/") or "0", prefix]


def rasa_python(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    python = RASA_BIN.with_name("python")
    if not python.exists():
        pytest.fail(f"{python} is missing: run `make test`, which builds it first")
    return subprocess.run(
        [str(python), "-c", script, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )


def test_a_ticket_issued_by_another_replica_mid_change_is_kept(redis_prefix: str) -> None:
    results = json.loads(rasa_python(INTERLEAVED_TICKETS, *redis_args(redis_prefix.replace("-", ""))).stdout)
    assert results["rasa"]["tickets"] == [0, 0]  # Rasa's own store: both replicas hold ticket 0
    assert results["ours"] == {"tickets": [0, 1], "stored": [0, 1]}


def test_two_processes_never_run_one_conversation_at_once(redis_prefix: str) -> None:
    import redis

    prefix = redis_prefix.replace("-", "")  # Rasa accepts alphanumeric key prefixes only
    python = RASA_BIN.with_name("python")
    rounds = 25
    processes = [
        subprocess.Popen(
            [str(python), "-c", CRITICAL_SECTION, *redis_args(prefix), "ours", str(rounds)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=180)
        assert process.returncode == 0, stderr
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert int(client.get(f"{prefix}:counter") or 0) == 2 * rounds  # no increment lost to an overlap
        assert client.get(f"{prefix}:lock:shared-conversation") is None  # released and deleted when idle
    finally:
        client.delete(f"{prefix}:counter")
        client.close()
