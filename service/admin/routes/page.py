"""GET /admin and /admin/assets/*: the staff page (plain HTML, JS and CSS served locally, no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, RedirectResponse

ASSETS = Path(__file__).resolve().parents[2] / "static" / "admin"
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# The page loads only its own files; inline SVG charts need no external source.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(tags=["admin"], include_in_schema=False)


@router.get("/admin")
def page() -> FileResponse:
    return FileResponse(ASSETS / "index.html", media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/admin/")
def page_slash() -> RedirectResponse:
    return RedirectResponse("/admin", status_code=308)


@router.get("/admin/assets/{name}")
def asset(name: str) -> FileResponse:
    file = ASSETS / name
    if "/" in name or name.startswith(".") or file.suffix not in MEDIA_TYPES or not file.is_file():
        raise HTTPException(status_code=404, detail="文件不存在")
    return FileResponse(file, media_type=MEDIA_TYPES[file.suffix], headers=HEADERS)
