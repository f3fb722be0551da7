"""POST /api/chat: the website widget's and the evaluation's way in."""

from __future__ import annotations

from fastapi import APIRouter

from service.conversation import handle_turn
from service.deps import RasaDep, StoreDep
from service.schemas import ChatRequest, ChatResponse

router = APIRouter(prefix="/api", tags=["chat"])


@router.post("/chat", response_model=ChatResponse)
async def chat(request: ChatRequest, rasa: RasaDep, store: StoreDep) -> ChatResponse:
    return await handle_turn(rasa, store, sender_id=request.sender_id, message=request.message, channel="web")
