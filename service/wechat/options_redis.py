"""Numbered reply options per WeChat user in Redis, so a digit may reach any gateway."""

from __future__ import annotations

import json
import logging
import unicodedata

from redis.exceptions import RedisError

from service.redis_connections import RedisConnections
from service.schemas import Button

log = logging.getLogger(__name__)


class RedisOptions:
    """Numbered options per user in Redis, so a digit reply may reach any gateway (OptionMemory)."""

    def __init__(self, connections: RedisConnections, ttl_s: float) -> None:
        self._client = connections.sync
        self._prefix = f"{connections.prefix}:wechat:options"
        self._ttl_ms = int(ttl_s * 1000)

    def remember(self, openid: str, options: list[Button]) -> None:
        key = f"{self._prefix}:{openid}"
        try:
            if options:
                payload = json.dumps([button.model_dump() for button in options], ensure_ascii=False)
                self._client.set(key, payload, px=self._ttl_ms)
            else:
                self._client.delete(key)
        except RedisError as error:
            log.warning("Redis unavailable, numbered options not remembered: %s", error)

    def resolve(self, openid: str, message: str) -> str:
        digits = unicodedata.normalize("NFKC", message).strip().rstrip(".。")
        if not digits.isascii() or not digits.isdigit():
            return message
        try:
            stored = self._client.get(f"{self._prefix}:{openid}")
        except RedisError as error:
            log.warning("Redis unavailable, digit reply sent as typed: %s", error)
            return message
        if stored is None:
            return message
        options = [Button.model_validate(raw) for raw in json.loads(stored)]
        number = int(digits)
        if 1 <= number <= len(options):
            return options[number - 1].payload or options[number - 1].title
        return message
