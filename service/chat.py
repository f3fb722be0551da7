"""Turns Rasa's REST messages into the public chat response; pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from service.schemas import Button, ChatReply, ChatResponse, Referral


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
            if custom.get("sources") or custom.get("stations") or custom.get("tier"):
                if not replies:
                    replies.append(ChatReply())
                last = replies[-1]
                last.sources.extend(custom.get("sources") or [])
                last.stations.extend(custom.get("stations") or [])
                last.tier = str(custom.get("tier") or last.tier)
    response = ChatResponse(sender_id=sender_id, replies=replies, fallback=fallback)
    return Conversion(response, referrals, checkups)


def _button(raw: dict[str, Any]) -> Button:
    return Button(title=str(raw.get("title", "")), payload=str(raw.get("payload", "")))


def _referral(raw: Any) -> Referral:
    try:
        return Referral.model_validate(raw)
    except ValidationError as error:
        raise BadRasaMessageError(f"bad referral payload: {error.error_count()} errors") from error
