"""Prometheus metrics of the gateway and the middleware that counts requests and sets the request id.

One registry per process (prometheus-client's own is left alone, so several apps in one test process do
not collide). Labels are bounded: a route's template (`/admin/api/users/{user_id}`), never a raw path.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.deps import SettingsDep
from service.logs import REQUEST_ID_HEADER, accept_request_id, request_id_var
from service.middleware import LOGIN_PATH, UPLOAD_PATH

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "ipgp_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "ipgp_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["route"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.5, 5.0, 10.0),
    registry=REGISTRY,
)
TURNS = Counter("ipgp_turns", "Chat turns answered by Rasa", ["channel"], registry=REGISTRY)
FALLBACKS = Counter("ipgp_fallback_replies", "Turns the bot could not answer", ["channel"], registry=REGISTRY)
UPSTREAM_FAILURES = Counter(
    "ipgp_upstream_failures",
    "Turns lost to an outage: rasa (unreachable or timed out), actions (Rasa answered nothing)",
    ["service"],
    registry=REGISTRY,
)
UPSTREAM_UP = Gauge(
    "ipgp_upstream_up", "1 when the last readiness probe reached it", ["service"], registry=REGISTRY
)
WECHAT_DEFERRED = Counter(
    "ipgp_wechat_deferred_replies",
    "WeChat answers not ready within the reply deadline, by how they reached the user",
    ["delivery"],
    registry=REGISTRY,
)
PUBLISH_EVENTS = Counter(
    "ipgp_publish_events", "Knowledge publishes by outcome", ["event"], registry=REGISTRY
)
REDIS_FALLBACKS = Counter(
    "ipgp_redis_fallbacks",
    "Operations served from this gateway's own state because Redis failed (scale-out)",
    ["store"],
    registry=REGISTRY,
)

# The paths whose requests the edge middleware may refuse before any route sees them.
EDGE_PATHS = frozenset({"/api/chat", "/api/feedback", "/wechat", LOGIN_PATH, UPLOAD_PATH})

router = APIRouter(tags=["operations"], include_in_schema=False)


@router.get("/metrics")
def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus text format; with IPGP_METRICS_TOKEN set, only for `Authorization: Bearer <token>`."""
    if settings.metrics_token and request.headers.get("authorization") != f"Bearer {settings.metrics_token}":
        raise HTTPException(status_code=404)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if scope["path"] in EDGE_PATHS:  # refused at the edge (413, 429) before routing
        return str(scope["path"])
    if scope["path"].startswith("/static/"):
        return "/static"
    if scope["path"].startswith("/admin/assets/"):
        return "/admin/assets"
    return "unmatched"


class Observe:
    """Pure ASGI middleware: a request id for the logs and Rasa, and the request count and latency."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope.get("headers", [])
        offered = next((v.decode("latin-1") for k, v in headers if k == b"x-request-id"), None)
        request_id = accept_request_id(offered)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = route_label(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(route).observe(time.perf_counter() - started)
            request_id_var.reset(token)
