"""Assembles the gateway app.

Run with `uvicorn --factory service.main:create_app` or `python -m service.supervisor`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from service import admin, errors
from service.admin.throttle_redis import RedisLoginThrottle
from service.conversation import recover_pending
from service.headers import SecurityHeaders
from service.metrics import Observe
from service.metrics import router as metrics_router
from service.middleware import EdgeLimits, edge_rates, install_fallback_errors, install_log_redaction
from service.privacy import purge_audit_target, purge_expired
from service.rasa_client import HttpRasaClient
from service.ratelimit_redis import shared_edge_rates
from service.redis_connections import RedisConnections
from service.routers import chat, checkup, feedback, health, sources, web, wechat
from service.settings import Settings, get_settings
from service.store import Store
from service.wechat.replay import InMemoryNonces, NonceMemory, RedisNonces, ReplayGuard
from service.wechat.responder import Responder
from service.wechat.responder_redis import redis_responder

log = logging.getLogger(__name__)


async def _recover_forever(app: FastAPI, interval_s: float) -> None:
    """Settles turns whose record failed or whose gateway died (see service.conversation)."""
    while interval_s > 0:
        try:
            await recover_pending(app.state.rasa, app.state.store, min_age_s=max(interval_s, 30.0))
        except SQLAlchemyError as error:
            log.warning("turn recovery failed, retrying later: %s", type(error).__name__)
        await asyncio.sleep(interval_s)


async def _purge_forever(app: FastAPI, interval_s: float, days: int, tracker_db: Path) -> None:
    """The retention purge at start and then every interval_s; a run that deleted something is audited."""
    if interval_s <= 0:
        return
    while not app.state.admin.ready.is_set():  # the admin lifespan (after this one) migrates the audit table
        await asyncio.sleep(0.05)
    while True:
        try:
            await run_in_threadpool(_purge_once, app, days, tracker_db)
        except SQLAlchemyError as error:
            log.warning("retention purge failed, retrying later: %s", type(error).__name__)
        await asyncio.sleep(interval_s)


def _purge_once(app: FastAPI, days: int, tracker_db: Path) -> None:
    deleted = purge_expired(app.state.store, tracker_db, days)
    if deleted.total:
        app.state.admin.store.audit("system", "purge", purge_audit_target(days), deleted.summary())
    log.info("retention purge: %s", deleted.summary())


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    install_log_redaction()
    # Scale-out: rate limits, login backoff and WeChat state in Redis, shared by every gateway.
    # The clients connect on first use; the lifespan closes them.
    shared = None
    if settings.redis_url:
        shared = RedisConnections.from_url(settings.redis_url, settings.redis_prefix)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rasa = HttpRasaClient(settings.rasa_url, settings.rasa_timeout_s, settings.rasa_token)
        app.state.rasa = rasa
        app.state.store = Store(settings.effective_database_url)
        app.state.wechat = redis_responder(settings, shared) if shared else Responder.from_settings(settings)
        nonces: NonceMemory = RedisNonces(shared.sync, shared.prefix) if shared else InMemoryNonces()
        app.state.wechat_replay = ReplayGuard(nonces, settings.wechat_max_clock_skew_s)
        recovery = asyncio.create_task(_recover_forever(app, settings.recovery_interval_s))
        purging = asyncio.create_task(
            _purge_forever(app, settings.purge_interval_s, settings.retention_days, settings.tracker_db)
        )
        yield
        recovery.cancel()
        purging.cancel()
        await app.state.wechat.aclose()
        if shared:
            await shared.aclose()
        await rasa.aclose()
        app.state.store.engine.dispose()

    # Production serves no API documentation: the schema maps every admin route for an attacker.
    docs = settings.env != "production"
    app = FastAPI(
        title="杨浦知识产权全科医生",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    rates = edge_rates(settings)
    if shared:
        rates = shared_edge_rates(rates, shared.sync, shared.prefix)
    app.state.rates = rates  # the webhook charges its buckets only after the signature check
    app.dependency_overrides[get_settings] = lambda: settings
    errors.install(app)
    install_fallback_errors(app)  # a database outage or a bug: a polite answer, never a bare 500
    app.include_router(chat.router)
    app.include_router(health.router)
    app.include_router(metrics_router)
    app.include_router(feedback.router)
    app.include_router(wechat.router)
    app.include_router(web.router)
    app.include_router(checkup.router)
    app.include_router(sources.router)
    app.mount("/static", web.static_files(), name="static")
    accounts = admin.install(app, settings).accounts
    if shared:
        accounts.throttle = RedisLoginThrottle(shared.sync, shared.prefix, accounts.throttle)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["POST"],
            allow_headers=["Content-Type"],
        )
    app.add_middleware(EdgeLimits, settings=settings, rates=rates)  # limits before anything else
    app.add_middleware(SecurityHeaders)  # on every answer, the edge's 413/429 included
    app.add_middleware(Observe)  # outermost: request id and metrics for every request
    return app
