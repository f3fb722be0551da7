"""Rasa's Redis ticket lock with every change made atomically, for Rasa replicas in scale-out.

Runs in the Rasa environment; endpoints.scale.yml selects it (`service.rasa_lock.AtomicRedisLockStore`).
Rasa 3.6's RedisLockStore changes a lock by GET, a change in Python, then SET. Two replicas taking a
ticket for one conversation at the same moment both read "no tickets", both take ticket 0 and both run
the turn; the SQL tracker store then keeps the events of only one of them (a turn lost). Here each
read-change-write runs in a Redis transaction watched on the lock key and is retried when another
replica changed the key in between. The stored format and Rasa's waiting loop stay Rasa's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
# A change receives the stored lock (None when there is none) and returns the lock to store (None:
# delete the key) and a result for the caller.
Change = Callable[[TicketLock | None], tuple[TicketLock | None, T]]


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket issue, expiry and release are each one Redis transaction."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _atomically(self, conversation_id: str, change: Change[T]) -> T:
        key = self.key_prefix + conversation_id

        def attempt(pipe: Any) -> T:
            raw = pipe.get(key)  # watched: a write by another replica before EXEC makes redis-py retry
            changed, result = change(TicketLock.from_dict(json.loads(raw)) if raw else None)
            pipe.multi()
            if changed is None:
                pipe.delete(key)
            else:
                pipe.set(key, changed.dumps())
            return result

        result: T = self.red.transaction(attempt, key, value_from_callable=True)
        return result

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._atomically(conversation_id, issue)
        except Exception as error:  # Rasa's callers expect LockError, as from Rasa's own method
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._atomically(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._release(conversation_id, ticket_number, delete_when_idle=False)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self._release(conversation_id, ticket_number, delete_when_idle=True)

    def _release(self, conversation_id: str, ticket_number: int, delete_when_idle: bool) -> None:
        """Remove the ticket; with delete_when_idle, delete the lock in the same step if no one waits."""

        def release(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            idle = not lock.is_someone_waiting()
            return (None if idle and delete_when_idle else lock), None

        self._atomically(conversation_id, release)
