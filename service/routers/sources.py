"""`/sources/<doc_id>`: the page a citation links to (service/source_pages.py)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from service.deps import SettingsDep
from service.routers.web import PAGE_CSP
from service.source_pages import DOC_ID, SourceLibrary, render_gone, render_source

router = APIRouter(tags=["web"])
HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


@lru_cache(maxsize=4)
def library(index_dir: Path) -> SourceLibrary:
    return SourceLibrary(index_dir)


@router.get("/sources/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
async def source_page(doc_id: str, settings: SettingsDep) -> HTMLResponse:
    doc = library(Path(settings.index_dir).resolve()).get(doc_id) if DOC_ID.match(doc_id) else None
    if doc is None:
        return HTMLResponse(render_gone(), status_code=404, headers=HEADERS)
    return HTMLResponse(render_source(doc), headers=HEADERS)
