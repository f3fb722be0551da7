"""POST /api/feedback: a thumbs up or down on one answer from the website chat."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.concurrency import run_in_threadpool

from service.deps import StoreDep

router = APIRouter(prefix="/api", tags=["feedback"])


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender_id: str = Field(min_length=1, max_length=64)
    rating: str
    question: str = Field(default="", max_length=1000)
    answer: str = Field(default="", max_length=4000)

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
    row_id = await run_in_threadpool(
        store.add_feedback, feedback.sender_id, feedback.rating, feedback.question, feedback.answer
    )
    return FeedbackPublic(id=row_id, rating=feedback.rating)
