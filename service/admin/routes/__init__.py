"""The admin's HTTP routes, one module per resource; `ROUTERS` in the order they must be included."""

from __future__ import annotations

from fastapi import APIRouter

from service.admin.routes import (
    auth,
    documents,
    freshness,
    knowledge,
    page,
    publish,
    referrals,
    review,
    search,
    users,
    versions,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    documents.router,  # before the generic documents routes
    *knowledge.routers,
    knowledge.reference,
    versions.router,
    publish.router,
    search.router,
    review.router,
    referrals.router,
    freshness.router,
    users.router,
    page.router,
]
