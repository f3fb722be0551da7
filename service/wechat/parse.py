"""Parsing WeChat XML safely: refuse DTDs and entities first, then wechatpy parses into typed messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy import parse_message

from service.wechat.errors import BadMessageError

Kind = Literal["text", "subscribe", "click", "event", "unsupported"]
# OpenIDs and account ids are short ASCII tokens; anything else is refused before it reaches a reply.
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Incoming:
    """One message or event from a user, reduced to what the bot needs."""

    kind: Kind
    openid: str
    account: str  # ToUserName: the Official Account's own id
    create_time: int
    msg_id: int = 0  # 0 for events
    content: str = ""
    event_key: str = ""  # a menu CLICK event: the key of the button pressed

    @property
    def dedup_key(self) -> str:
        """openid + MsgId for messages; FromUserName + CreateTime for events (WeChat's own rule).

        MsgId alone is not trusted to be unique across users: another user's message with the same
        MsgId must never be answered with the first user's answer.
        """
        if self.msg_id:
            return f"msg:{self.openid}:{self.msg_id}"
        return f"event:{self.openid}:{self.create_time}"


def safe_tree(body: bytes) -> Element:
    """The XML root, refusing any DOCTYPE, entity or external reference (BadMessageError)."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError) as error:
        raise BadMessageError(f"refused XML: {type(error).__name__}") from error
    if root.tag != "xml":
        raise BadMessageError(f"unexpected root element <{root.tag}>")
    return root


def encrypted_part(body: bytes) -> str:
    """The `Encrypt` value of a safe-mode envelope."""
    node = safe_tree(body).find("Encrypt")
    value = (node.text or "").strip() if node is not None else ""
    if not value:
        raise BadMessageError("safe-mode body has no <Encrypt>")
    return value


def parse(xml: bytes | str) -> Incoming:
    """Typed incoming message; unknown message types become kind "unsupported", never an exception."""
    body = xml.encode("utf-8") if isinstance(xml, str) else xml
    safe_tree(body)
    try:
        message = parse_message(body.decode("utf-8"))
        data: dict[str, Any] = message._data  # raw values: wechatpy's fields would stringify nested XML
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BadMessageError(f"not a WeChat message: {type(error).__name__}") from error
    openid, account = _identifier(data, "FromUserName"), _identifier(data, "ToUserName")
    created = _number(data, "CreateTime")
    if message.type == "text":
        msg_id, content = _number(data, "MsgId"), _text(data, "Content")
        return Incoming("text", openid, account, created, msg_id, content)
    if message.type == "event":
        event = _text(data, "Event").lower()
        if event == "click":
            return Incoming("click", openid, account, created, event_key=_text(data, "EventKey"))
        kind: Kind = "subscribe" if event.startswith("subscribe") else "event"
        return Incoming(kind, openid, account, created)
    return Incoming("unsupported", openid, account, created, _number(data, "MsgId", default=0))


def _text(data: dict[str, Any], name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        if required:
            raise BadMessageError(f"missing <{name}>")
        return ""
    if not isinstance(value, str):  # nested elements or repeated tags
        raise BadMessageError(f"<{name}> is not text")
    return value


def _identifier(data: dict[str, Any], name: str) -> str:
    value = _text(data, name, required=True)
    if not _ID.match(value):
        raise BadMessageError(f"<{name}> is not a WeChat id")
    return value


def _number(data: dict[str, Any], name: str, default: int | None = None) -> int:
    value = _text(data, name, required=default is None).strip()
    if not value and default is not None:
        return default
    if not value.isdigit() or len(value) > 20:
        raise BadMessageError(f"<{name}> is not a number")
    return int(value)
