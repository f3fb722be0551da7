"""What a WeChat user is still owed when the customer-service API is off: a late answer, further parts.

Without that API the only way to reach a user is the passive reply to their next message. A question
that took longer than the reply deadline keeps running; its answer waits here and goes out first in
the reply to the user's next message ("您上一个问题的回答：…"). An answer longer than one message is
sent part by part, one per「继续」. State is per gateway process and bounded in size and age.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from service.wechat.dedup import Answer, Flight


@dataclass
class Held:
    late: Flight | None = None  # a turn still running (or finished) after its reply deadline
    more: list[str] = field(default_factory=list)  # parts of the last answer not sent yet
    at: float = 0.0


class HeldReplies:
    def __init__(
        self, ttl_s: float = 6 * 3600, max_users: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self.max_users = max_users
        self.clock = clock
        self._held: OrderedDict[str, Held] = OrderedDict()

    def _get(self, openid: str) -> Held:
        now = self.clock()
        held = self._held.pop(openid, None)
        if held is None or now - held.at > self.ttl_s:
            held = Held()
        held.at = now
        self._held[openid] = held
        while len(self._held) > self.max_users:
            self._held.popitem(last=False)
        return held

    def keep_late(self, openid: str, flight: Flight) -> None:
        self._get(openid).late = flight

    def keep_more(self, openid: str, parts: list[str]) -> None:
        self._get(openid).more = list(parts)

    def next_part(self, openid: str) -> tuple[str, int] | None:
        """The next unsent part and how many remain after it; None when nothing is held."""
        held = self._held.get(openid)
        if held is None or not held.more or self.clock() - held.at > self.ttl_s:
            return None
        part = held.more.pop(0)
        return part, len(held.more)

    def drop_more(self, openid: str) -> None:
        held = self._held.get(openid)
        if held is not None:
            held.more = []

    async def take_late(self, openid: str, current: Flight | None = None) -> Answer | None:
        """The late answer when it has finished (and is not `current`, the turn being answered now)."""
        held = self._held.get(openid)
        if held is None or held.late is None:
            return None
        if held.late is current:
            held.late = None
            return None
        answer = await held.late.wait(0)
        if answer is not None:
            held.late = None
        return answer
