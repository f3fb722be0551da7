"""Passive reply XML, built from the incoming message with wechatpy."""

from __future__ import annotations

import re

from wechatpy.replies import TextReply

from service.wechat.parse import Incoming

# Characters XML 1.0 cannot carry at all.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(content: str) -> str:
    """Drop characters XML cannot hold; used for passive replies and API messages alike."""
    return _INVALID_XML.sub("", content)


def text_reply(incoming: Incoming, content: str, now: int) -> str:
    """<xml> text reply addressed back to the sender; `]]>` in content cannot end the CDATA section."""
    safe = clean(content).replace("]]>", "]]]]><![CDATA[>")
    reply = TextReply(source=incoming.account, target=incoming.openid, content=safe, time=now)
    return str(reply.render())
