"""Security headers on every response: nosniff everywhere, a content security policy on every HTML page.

Routes may set their own policy (the chat page, the admin page); this middleware fills in what a
response lacks, so HTML served by StaticFiles (`/static/index.html`, `/static/admin/index.html`) or by
FastAPI's docs pages is covered too.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.admin.routes.page import CSP as ADMIN_CSP
from service.routers.web import PAGE_CSP

# Swagger UI and ReDoc (development only) load their scripts from a CDN and start with an inline script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "worker-src blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})


def policy_for(path: str) -> str:
    if path in DOCS_PATHS:
        return DOCS_CSP
    if path == "/admin" or path.startswith(("/admin/", "/static/admin/")):
        return ADMIN_CSP
    return PAGE_CSP


class SecurityHeaders:
    """Pure ASGI middleware; adds headers at `http.response.start` without buffering the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", policy_for(path))
                    headers.setdefault("Referrer-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)
