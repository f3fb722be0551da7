"""The WeChat responder of a scale-out gateway: the same logic, its state in Redis."""

from __future__ import annotations

import httpx

from service.redis_connections import RedisConnections
from service.settings import Settings
from service.wechat.dedup_redis import RedisDeduplicator
from service.wechat.held_redis import RedisHeldReplies
from service.wechat.options_redis import RedisOptions
from service.wechat.responder import Responder
from service.wechat.token_redis import RedisTokenApi


def redis_responder(settings: Settings, connections: RedisConnections) -> Responder:
    """The WeChat responder of a scale-out gateway: the same logic, its state in Redis."""
    http = api = None
    if settings.wechat_api_enabled:
        http = httpx.AsyncClient(timeout=5.0)
        api = RedisTokenApi(
            settings.wechat_api_base_url,
            settings.wechat_app_id,
            settings.wechat_app_secret,
            http,
            connections,
        )
    return Responder(
        chat_page_url=settings.chat_page_url,
        dedup=RedisDeduplicator(connections, ttl_s=settings.wechat_dedup_ttl_s),
        options=RedisOptions(connections, settings.wechat_option_ttl_s),
        api=api,
        http=http,
        held=RedisHeldReplies(connections.sync, connections.prefix),
    )
