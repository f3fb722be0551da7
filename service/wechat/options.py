"""Numbered options per user, so a digit reply can stand for a button's payload for a while."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from typing import Protocol

from service.schemas import Button


class OptionMemory(Protocol):
    def remember(self, openid: str, options: list[Button]) -> None: ...

    def resolve(self, openid: str, message: str) -> str:
        """The payload when `message` is the number of a remembered option, else the message."""
        ...


class InMemoryOptions:
    """Latest options per user, forgotten after `ttl_s` or when a reply without options arrives."""

    def __init__(
        self, ttl_s: float, clock: Callable[[], float] = time.monotonic, max_users: int = 10000
    ) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._max_users = max_users
        self._options: dict[str, tuple[float, list[Button]]] = {}

    def remember(self, openid: str, options: list[Button]) -> None:
        self._options.pop(openid, None)
        if options:
            if len(self._options) >= self._max_users:
                del self._options[next(iter(self._options))]  # oldest first
            self._options[openid] = (self._clock(), list(options))

    def resolve(self, openid: str, message: str) -> str:
        digits = unicodedata.normalize("NFKC", message).strip().rstrip(".。")
        known = self._options.get(openid)
        if known is None or not digits.isdigit():
            return message
        saved_at, options = known
        if self._clock() - saved_at > self._ttl_s:
            del self._options[openid]
            return message
        number = int(digits)
        if 1 <= number <= len(options):
            return options[number - 1].payload or options[number - 1].title
        return message
