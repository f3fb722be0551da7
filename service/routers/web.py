"""The website chat: `/` page, `/embed` example, `/widget.js` (one script tag), static files, the icon."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# Everything is served from this gateway: no CDN, no inline script, no external connections.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)

router = APIRouter(tags=["web"])


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def chat_page() -> HTMLResponse:
    return _page("index.html")


@router.get("/embed", response_class=HTMLResponse, include_in_schema=False)
async def embed_example() -> HTMLResponse:
    """How the widget looks on another site: a mock district page with the one-line script tag."""
    return _page("embed.html")


@router.get("/widget.js", include_in_schema=False)
async def widget_js() -> Response:
    return Response(
        widget_source(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> FileResponse:
    """Browsers ask for /favicon.ico on every page (admin and source pages too): the SVG icon."""
    return FileResponse(
        STATIC_DIR / "favicon.svg",
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


@lru_cache(maxsize=1)
def widget_source() -> str:
    """widget.js as shipped (station type labels come with each reply's stations)."""
    return (STATIC_DIR / "widget.js").read_text(encoding="utf-8")


def _page(name: str) -> HTMLResponse:
    html = (STATIC_DIR / name).read_text(encoding="utf-8")
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": PAGE_CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Cache-Control": "no-cache",
        },
    )
