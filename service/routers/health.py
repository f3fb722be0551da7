"""GET /healthz: are Rasa, the action server and the retrieval index ready?"""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service.deps import RasaDep, SettingsDep
from service.index_status import index_status
from service.rasa_client import probe

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(settings: SettingsDep, rasa: RasaDep) -> JSONResponse:
    async with httpx.AsyncClient(timeout=2.0) as client:
        action_ok = await probe(client, f"{settings.action_url}/health")
    rasa_ok = await rasa.healthy()
    index = index_status(settings.index_dir)
    healthy = rasa_ok and action_ok and index["ready"] is True
    body = {
        "status": "ok" if healthy else "degraded",
        "rasa": rasa_ok,
        "action_server": action_ok,
        "index": index,
    }
    return JSONResponse(status_code=200 if healthy else 503, content=body)
