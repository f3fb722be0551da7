"""Named errors of the WeChat channel; the router maps them to 403/400/503."""

from __future__ import annotations

BAD_MESSAGE_DETAIL = "消息格式不正确"  # the 400 answer to any malformed or oversized webhook body


class WeChatError(Exception):
    """Base class of everything the WeChat channel raises on purpose."""


class SignatureError(WeChatError):
    """A signature did not match: the request is not from WeChat (403, nothing processed)."""


class ReplayError(SignatureError):
    """A correctly signed request that is stale, from the future, or reuses a nonce with another body."""


class BadMessageError(WeChatError):
    """The body is malformed, hostile (DOCTYPE, entities), too large or undecryptable (400)."""


class NotConfiguredError(WeChatError):
    """The webhook or the feature the request needs (AES key) is not configured."""


class WeChatApiError(WeChatError):
    """The WeChat API answered with a non-zero errcode; carries WeChat's own code."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatApiUnavailableError(WeChatError):
    """The WeChat API could not be reached or answered something that is not its JSON."""
