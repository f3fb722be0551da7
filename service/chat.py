"""Turns Rasa's REST messages into the public chat response; pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.present.citation import citations
from service.present.citation import field as text_of
from service.present.plain import plain_text
from service.present.wording import wording
from service.schemas import Button, ChatReply, ChatResponse, Referral
from service.source_pages import page_path


@dataclass
class Conversion:
    """The public response plus what the gateway keeps to itself (referrals)."""

    response: ChatResponse
    referrals: list[Referral] = field(default_factory=list)
    checkups: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (reply index, report)


class BadRasaMessageError(Exception):
    """A custom payload from the actions did not have the agreed shape."""


def convert(sender_id: str, messages: list[dict[str, Any]]) -> Conversion:
    """Rasa sends text and custom JSON as separate messages; custom parts attach to the reply before."""
    replies: list[ChatReply] = []
    referrals: list[Referral] = []
    checkups: list[tuple[int, dict[str, Any]]] = []
    fallback = False
    for message in messages:
        custom = message.get("custom")
        if message.get("text") or message.get("buttons"):
            replies.append(
                ChatReply(
                    text=str(message.get("text") or ""),
                    buttons=[_button(b) for b in message.get("buttons") or []],
                )
            )
        if isinstance(custom, dict):
            fallback = bool(custom.get("fallback")) or fallback
            if "referral" in custom:
                referrals.append(_referral(custom["referral"]))
            if isinstance(custom.get("checkup"), dict) and replies:
                checkups.append((len(replies) - 1, custom["checkup"]))
                replies[-1].checkup = custom["checkup"]
            if "reply" in custom:
                if not replies:
                    replies.append(ChatReply())
                _take_parts(replies[-1], custom["reply"])
    response = ChatResponse(sender_id=sender_id, replies=[present(r) for r in replies], fallback=fallback)
    return Conversion(response, referrals, checkups)


class ReplyParts(BaseModel):
    """The `reply` object of an action's custom payload (actions/compose.py:Reply.payload)."""

    model_config = ConfigDict(extra="forbid")

    lead: str = ""
    body: str = ""
    notes: list[str] = Field(default_factory=list)
    sources: list[dict[str, object]] = Field(default_factory=list)
    stations: list[dict[str, object]] = Field(default_factory=list)
    tier: str = ""
    related: list[str] = Field(default_factory=list)


def _take_parts(reply: ChatReply, raw: Any) -> None:
    try:
        parts = ReplyParts.model_validate(raw)
    except ValidationError as error:
        raise BadRasaMessageError(f"bad reply payload: {error.error_count()} errors") from error
    reply.lead, reply.body, reply.notes, reply.tier = parts.lead, parts.body, parts.notes, parts.tier
    reply.related = parts.related
    reply.sources, reply.stations = [with_page(s) for s in parts.sources], parts.stations


def with_page(source: dict[str, object]) -> dict[str, object]:
    """A source of the knowledge base links to its page on the gateway (`url`); the issuer's own
    address, when there is one, moves to `original_url`."""
    doc_id, chunk_id = text_of(source, "doc_id"), text_of(source, "chunk_id")
    if not doc_id:
        return source
    page = page_path(doc_id, chunk_id) if chunk_id else f"/sources/{doc_id}"
    return {**source, "url": page, "original_url": text_of(source, "url")}


def present(reply: ChatReply) -> ChatReply:
    """Word the citations and render the plain text, once; a reply of words alone is all body."""
    labels = wording()
    if not (reply.lead or reply.body or reply.stations):
        reply.body = reply.text
    reply.citation_label, reply.citations = (
        citations(reply.sources, labels["citation"]) if reply.sources else ("", [])
    )
    reply.text = plain_text(reply, labels)
    return reply


def _button(raw: dict[str, Any]) -> Button:
    return Button(title=str(raw.get("title", "")), payload=str(raw.get("payload", "")))


def _referral(raw: Any) -> Referral:
    try:
        return Referral.model_validate(raw)
    except ValidationError as error:
        raise BadRasaMessageError(f"bad referral payload: {error.error_count()} errors") from error
