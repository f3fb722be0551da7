"""POST /api/feedback: a thumbs up or down on one answer, tied to the server's record of that turn;
POST /api/feedback/closing: the user's satisfaction with the whole conversation.

The question and answer staff review are the ones the gateway recorded (masked), never text the
client sends; one rating per turn, and only the sender of the turn may rate it. A 👎 may carry a
reason from a fixed list and a few words of the user's own, masked like every stored message.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from starlette.concurrency import run_in_threadpool

from service.conversation import conversation_id
from service.deps import StoreDep
from service.middleware import TOO_MANY, client_ip
from service.ratelimit import EdgeRates, allow_all
from service.redaction import redact
from service.schemas import SENDER_PATTERN
from service.store import DuplicateFeedbackError, UnknownConversationError

router = APIRouter(prefix="/api", tags=["feedback"])
UNKNOWN_TURN = "找不到这条回答，无法评价。"
ALREADY_RATED = "这条回答已经评价过了。"
UNKNOWN_CONVERSATION = "找不到这次对话，无法评价。"
CONVERSATION_RATED = "这次对话已经评价过了。"
# Why an answer did not help: stored as the code; the Chinese words are what staff read.
REASONS = {
    "off_topic": "答非所问",
    "wrong": "内容有误或过时",
    "unclear": "看不明白",
    "no_contact": "没有找到可联系的机构",
    "other": "其他",
}
CLOSING_RATINGS = {"good": "满意", "fair": "一般", "poor": "不满意"}
COMMENT_MAX_CHARS = 200

SenderId = Annotated[str, Field(min_length=1, max_length=64, pattern=SENDER_PATTERN)]


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender_id: SenderId
    rating: str
    turn_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
    reason: str | None = None
    comment: str | None = Field(default=None, max_length=COMMENT_MAX_CHARS)

    @field_validator("rating")
    @classmethod
    def _known_rating(cls, value: str) -> str:
        if value not in ("up", "down"):
            raise ValueError("评价只能是 up（有帮助）或 down（没帮助）")
        return value

    @field_validator("reason")
    @classmethod
    def _known_reason(cls, value: str | None) -> str | None:
        if value is not None and value not in REASONS:
            raise ValueError("原因只能是：" + "、".join(REASONS))
        return value

    @field_validator("comment")
    @classmethod
    def _plain_comment(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if any(ord(char) < 32 and char not in "\n\t" for char in value):
            raise ValueError("补充说明含有不支持的控制字符")
        return value.strip() or None

    @model_validator(mode="after")
    def _reasons_only_on_down(self) -> FeedbackCreate:
        if self.rating == "up" and (self.reason or self.comment):
            raise ValueError("只有“没帮助”的评价可以填写原因")
        return self


class FeedbackPublic(BaseModel):
    id: int
    rating: str


class ClosingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender_id: SenderId
    rating: str

    @field_validator("rating")
    @classmethod
    def _known_rating(cls, value: str) -> str:
        if value not in CLOSING_RATINGS:
            raise ValueError("评价只能是 good（满意）、fair（一般）或 poor（不满意）")
        return value


def feedback_bucket(request: Request) -> None:
    """The edge middleware limits /api/feedback itself; other feedback paths charge the same bucket here."""
    rates: EdgeRates = request.app.state.rates
    if not allow_all([(rates.feedback, f"ip:{client_ip(request.scope)}")]):
        raise HTTPException(429, TOO_MANY, headers={"Retry-After": "1"})


@router.post("/feedback", response_model=FeedbackPublic, status_code=201)
async def add_feedback(feedback: FeedbackCreate, store: StoreDep) -> FeedbackPublic:
    sender = conversation_id("web", feedback.sender_id)
    turn = await run_in_threadpool(store.turn, feedback.turn_id)
    if turn is None or turn.sender_id != sender:
        raise HTTPException(404, UNKNOWN_TURN)
    try:
        row_id = await run_in_threadpool(
            lambda: store.add_feedback(
                sender,
                feedback.rating,
                turn.message,
                turn.answer or "",
                feedback.turn_id,
                reason=feedback.reason,
                comment=redact(feedback.comment) if feedback.comment else None,
            )
        )
    except DuplicateFeedbackError as error:
        raise HTTPException(409, ALREADY_RATED) from error
    return FeedbackPublic(id=row_id, rating=feedback.rating)


@router.post(
    "/feedback/closing",
    response_model=FeedbackPublic,
    status_code=201,
    dependencies=[Depends(feedback_bucket)],
)
async def add_closing_rating(rating: ClosingCreate, store: StoreDep) -> FeedbackPublic:
    sender = conversation_id("web", rating.sender_id)
    try:
        row_id = await run_in_threadpool(store.add_closing_rating, sender, rating.rating)
    except UnknownConversationError as error:
        raise HTTPException(404, UNKNOWN_CONVERSATION) from error
    except DuplicateFeedbackError as error:
        raise HTTPException(409, CONVERSATION_RATED) from error
    return FeedbackPublic(id=row_id, rating=rating.rating)
