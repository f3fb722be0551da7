"""POST /api/feedback: a thumbs up or down on one answer, tied to the server's record of that turn.

The question and answer staff review are the ones the gateway recorded (masked), never text the
client sends; one rating per turn, and only the sender of the turn may rate it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from starlette.concurrency import run_in_threadpool

from service.conversation import conversation_id
from service.deps import StoreDep
from service.schemas import SENDER_PATTERN
from service.store import DuplicateFeedbackError

router = APIRouter(prefix="/api", tags=["feedback"])
UNKNOWN_TURN = "找不到这条回答，无法评价。"
ALREADY_RATED = "这条回答已经评价过了。"


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender_id: str = Field(min_length=1, max_length=64, pattern=SENDER_PATTERN)
    rating: str
    turn_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]

    @field_validator("rating")
    @classmethod
    def _known_rating(cls, value: str) -> str:
        if value not in ("up", "down"):
            raise ValueError("评价只能是 up（有帮助）或 down（没帮助）")
        return value


class FeedbackPublic(BaseModel):
    id: int
    rating: str


@router.post("/feedback", response_model=FeedbackPublic, status_code=201)
async def add_feedback(feedback: FeedbackCreate, store: StoreDep) -> FeedbackPublic:
    sender = conversation_id("web", feedback.sender_id)
    turn = await run_in_threadpool(store.turn, feedback.turn_id)
    if turn is None or turn.sender_id != sender:
        raise HTTPException(404, UNKNOWN_TURN)
    try:
        row_id = await run_in_threadpool(
            store.add_feedback, sender, feedback.rating, turn.message, turn.answer or "", feedback.turn_id
        )
    except DuplicateFeedbackError as error:
        raise HTTPException(409, ALREADY_RATED) from error
    return FeedbackPublic(id=row_id, rating=feedback.rating)
