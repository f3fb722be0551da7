"""Staff administration: knowledge store with versions, login, publishing, conversation review.

Wire it in with one line in `create_app`: `admin.install(app, settings)`. Startup work (migrations,
seeding from knowledge/, recovering interrupted publishes) runs in a router lifespan that FastAPI
nests inside the app's own lifespan, so main.py needs no other change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from argon2 import PasswordHasher
from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool

from retrieval.dense import Encoder
from service.admin.errors import install_handlers
from service.admin.routes import ROUTERS
from service.admin.settings import AdminSettings, get_admin_settings
from service.admin.state import AdminState
from service.settings import Settings


def install(
    app: FastAPI,
    settings: Settings,
    admin_settings: AdminSettings | None = None,
    encoder: Callable[[], Encoder] | None = None,
    hasher: PasswordHasher | None = None,
) -> AdminState:
    """Add the admin routes and startup work to app; refuses unsafe secrets outside development.

    encoder and hasher exist for tests (a fake embedding model, cheaper argon2 parameters); calling
    install again on an app that has it (e.g. from create_app) only swaps in the new state.
    """
    admin_settings = admin_settings or get_admin_settings()
    admin_settings.check(settings)
    state = AdminState.build(settings, admin_settings, encoder, hasher)
    installed = isinstance(getattr(app.state, "admin", None), AdminState)
    app.state.admin = state
    if installed:  # a second call (tests) only replaces the state; routes and lifespan read it at run time
        return state

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[None]:
        current: AdminState = running.state.admin
        await run_in_threadpool(current.startup)
        yield
        await run_in_threadpool(current.shutdown)

    install_handlers(app)
    app.include_router(APIRouter(lifespan=lifespan))
    for router in ROUTERS:
        app.include_router(router)
    return state
