"""Public request and response shapes of the chat API (the widget and evaluation contract)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Sender ids are opaque tokens the widget makes: letters, digits, "-" and "_" (no ":", NUL or newline).
SENDER_PATTERN = r"^[A-Za-z0-9_-]+$"
# Characters that show nothing: zero-width spaces and joiners, word joiner, BOM, soft hyphen.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender_id: str = Field(min_length=1, max_length=64, pattern=SENDER_PATTERN)
    message: str = Field(min_length=1, max_length=1000)

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.translate(_INVISIBLE).strip():
            raise ValueError("消息不能为空")
        if any(ord(char) < 32 and char not in "\n\t" for char in value):
            raise ValueError("消息含有不支持的控制字符")
        return value.strip()


class Button(BaseModel):
    title: str
    payload: str


class Citation(BaseModel):
    text: str  # the source in words (service/present/wording.yml)
    url: str = ""  # where it can be read: the gateway's source page, or the issuer's page


class ChatReply(BaseModel):
    """One bot message: its parts for the widget, and `text`, the same reply as plain text."""

    text: str = ""
    lead: str = ""  # before the body: the closest-match marker, a station list's introduction
    body: str = ""
    notes: list[str] = Field(default_factory=list)  # after the stations: cautions, what to bring, a question
    buttons: list[Button] = Field(default_factory=list)
    citation_label: str = ""  # 来源： / 站点信息来源：
    citations: list[Citation] = Field(default_factory=list)
    sources: list[dict[str, object]] = Field(default_factory=list)
    stations: list[dict[str, object]] = Field(default_factory=list)
    tier: str = ""  # certain / closest (marked as the closest match) / none; "" for other replies
    related: list[str] = Field(default_factory=list)  # questions the user may ask next (sent as typed)
    checkup: dict[str, object] | None = None  # a check-up report: sections of cited lines (widget cards)
    report_url: str = ""  # its print page, /checkup/<token>


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
