"""Public request and response shapes of the chat API (the widget and evaluation contract)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender_id: str = Field(min_length=1, max_length=64)
    message: str = Field(min_length=1, max_length=1000)

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("消息不能为空")
        return value.strip()


class Button(BaseModel):
    title: str
    payload: str


class ChatReply(BaseModel):
    text: str = ""
    buttons: list[Button] = Field(default_factory=list)
    sources: list[dict[str, object]] = Field(default_factory=list)
    stations: list[dict[str, object]] = Field(default_factory=list)


class ChatResponse(BaseModel):
    sender_id: str
    replies: list[ChatReply]
    fallback: bool = False
    turn_id: str = ""  # the server's id of this turn; feedback refers to it


class Referral(BaseModel):
    """Contact details the handover flow collected with the user's consent; never sent back out."""

    name: str
    company: str
    phone: str
    station_id: str = ""
    station_type: str = ""
    question: str = ""
