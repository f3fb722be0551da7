"""Health probes: `/healthz/live` (process up), `/healthz/ready` and `/healthz` (Rasa, actions, index).

A liveness probe must not fail because Rasa is down (restarting a healthy gateway fixes nothing); a
readiness probe takes the gateway out of the balancer until its dependencies answer.
"""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service.deps import RasaDep, SettingsDep
from service.index_status import index_status
from service.metrics import UPSTREAM_UP
from service.rasa_client import probe

router = APIRouter(tags=["health"])


@router.get("/healthz/live")
async def live() -> dict[str, str]:
    return {"status": "alive"}


@router.get("/healthz/ready")
async def ready(settings: SettingsDep, rasa: RasaDep) -> JSONResponse:
    return await healthz(settings, rasa)


@router.get("/healthz")
async def healthz(settings: SettingsDep, rasa: RasaDep) -> JSONResponse:
    async with httpx.AsyncClient(timeout=2.0) as client:
        action_ok = await probe(client, f"{settings.action_url}/health")
    rasa_ok = await rasa.healthy()
    index = index_status(settings.index_dir)
    UPSTREAM_UP.labels("rasa").set(rasa_ok)
    UPSTREAM_UP.labels("actions").set(action_ok)
    healthy = rasa_ok and action_ok and index["ready"] is True
    body = {
        "status": "ok" if healthy else "degraded",
        "rasa": rasa_ok,
        "action_server": action_ok,
        "index": index,
    }
    return JSONResponse(status_code=200 if healthy else 503, content=body)
