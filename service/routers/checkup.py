"""`/checkup/<token>`: the print-friendly page of a check-up report, until the retention period ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from service.checkup_page import TOKEN_PATTERN, render_gone, render_report
from service.deps import SettingsDep, StoreDep
from service.routers.web import PAGE_CSP

router = APIRouter(tags=["web"])
HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the token is the only key to the page
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
}


@router.get("/checkup/{token}", response_class=HTMLResponse, include_in_schema=False)
async def checkup_page(token: str, store: StoreDep, settings: SettingsDep) -> HTMLResponse:
    report = None
    if TOKEN_PATTERN.match(token):
        not_before = datetime.now(UTC) - timedelta(days=settings.retention_days)
        report = await run_in_threadpool(store.checkup_report, token, not_before)
    if report is None:
        return HTMLResponse(render_gone(), status_code=404, headers=HEADERS)
    return HTMLResponse(render_report(report), headers=HEADERS)
