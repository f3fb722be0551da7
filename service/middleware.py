"""Edge protection: body-size and rate limits, polite answers for unexpected failures, redacted logs."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.ratelimit import RateLimiter
from service.redaction import redact
from service.settings import Settings
from service.wechat.errors import BAD_MESSAGE_DETAIL

TOO_LARGE = "请求内容过大（上限{limit}字节），请精简后再试。"
TOO_MANY = "您的请求过于频繁，请稍后再试。"
STORAGE_DOWN = "抱歉，系统暂时繁忙，请稍后再试，或致电12345市民服务热线。"
UNEXPECTED = "抱歉，系统内部出现问题，请稍后再试。"
LIMITED_METHODS = frozenset({"POST", "PUT", "PATCH"})
log = logging.getLogger(__name__)
_FROM_USER = re.compile(rb"<FromUserName>\s*(?:<!\[CDATA\[)?([A-Za-z0-9_-]{1,64})")


class BodyTooLargeError(Exception):
    """The request body is over its path's limit (413)."""


class EdgeLimits:
    """Pure ASGI middleware: reads each limited body once (bounded), checks limits, replays it to the app.

    Rate limits apply to /api/chat (per sender_id and per client IP) and /wechat (per openid and per
    IP, with a higher IP limit since every user arrives from WeChat's servers). Limits are per gateway
    process: with N gateways behind a balancer a client gets up to N times the configured rate.
    The client IP is what uvicorn reports (it honours X-Forwarded-For only from --forwarded-allow-ips).
    """

    def __init__(self, app: ASGIApp, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.max_body = settings.max_body_bytes
        self.max_admin_body = settings.max_admin_body_bytes
        self.max_wechat_body = settings.wechat_max_body_bytes
        self.sender = _limiter(settings.rate_sender_per_s, settings.rate_sender_burst, clock)
        self.chat_ip = _limiter(settings.rate_ip_per_s, settings.rate_ip_burst, clock)
        self.wechat_ip = _limiter(settings.rate_wechat_ip_per_s, settings.rate_wechat_ip_burst, clock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in LIMITED_METHODS:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self._body_limit(path)
        try:
            body = await _read_body(scope, receive, limit)
        except BodyTooLargeError:
            await _too_large(path, limit)(scope, receive, send)
            return
        if not self._allowed(scope, path, body):
            response = JSONResponse({"detail": TOO_MANY}, status_code=429, headers={"Retry-After": "1"})
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _body_limit(self, path: str) -> int:
        if path == "/admin" or path.startswith("/admin/"):
            return self.max_admin_body
        if path == "/wechat":
            return self.max_wechat_body
        return self.max_body

    def _allowed(self, scope: Scope, path: str, body: bytes) -> bool:
        client = scope.get("client")
        ip = client[0] if client else "unknown"
        if path == "/api/chat":
            checks = [(self.chat_ip, f"ip:{ip}"), (self.sender, f"web:{_chat_sender(body)}")]
        elif path == "/wechat":
            checks = [(self.wechat_ip, f"ip:{ip}"), (self.sender, f"wechat:{_wechat_sender(scope, body)}")]
        else:
            return True
        # Every bucket is charged (no short-circuit), so a refused request still costs its sender.
        return all([limiter.allow(key) for limiter, key in checks if limiter is not None and key[-1] != ":"])


def _limiter(rate_per_s: float, burst: int, clock: Callable[[], float]) -> RateLimiter | None:
    return RateLimiter(rate_per_s, burst, clock=clock) if rate_per_s > 0 else None


def _too_large(path: str, limit: int) -> JSONResponse:
    """413 in words, except for the webhook: WeChat gets the same 400 as for any malformed body."""
    if path == "/wechat":
        return JSONResponse({"detail": BAD_MESSAGE_DETAIL}, status_code=400)
    return JSONResponse({"detail": TOO_LARGE.format(limit=limit)}, status_code=413)


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    for name, value in scope.get("headers", []):
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            raise BodyTooLargeError(f"declared {int(value)} bytes")
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away; let the app see that
            break
        body += message.get("body", b"")
        if len(body) > limit:
            raise BodyTooLargeError(f"over {limit} bytes")
        if not message.get("more_body", False):
            break
    return bytes(body)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _chat_sender(body: bytes) -> str:
    """sender_id of a chat request; "" when the body is not the expected JSON (the app answers 422)."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    sender = data.get("sender_id") if isinstance(data, dict) else None
    return sender[:64] if isinstance(sender, str) else ""


def _wechat_sender(scope: Scope, body: bytes) -> str:
    """The openid WeChat puts in the query (every mode), else FromUserName of a plaintext body."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    openid = query.get("openid", [""])[0]
    if openid:
        return openid[:64]
    found = _FROM_USER.search(body[:4096])
    return found.group(1).decode() if found else ""


# ---- Last-resort answers: a database that is down or a bug never shows as a bare 500 ------------------


async def storage_unavailable(_: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable: %s", exc)
    return JSONResponse({"detail": STORAGE_DOWN}, status_code=503, headers={"Retry-After": "5"})


async def unexpected_error(_: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
    return JSONResponse({"detail": UNEXPECTED}, status_code=500)


def install_fallback_errors(app: FastAPI) -> None:
    """Handlers registered by others for narrower exception types still take precedence."""
    app.add_exception_handler(SQLAlchemyError, storage_unavailable)
    app.add_exception_handler(Exception, unexpected_error)


# ---- Log redaction ------------------------------------------------------------------------------


def _redact_value(value: Any) -> Any:
    """Numbers stay numbers (for %d); anything else is logged as its redacted text."""
    if value is None or isinstance(value, int | float):
        return value
    return redact(value if isinstance(value, str) else str(value))


def install_log_redaction() -> None:
    """Redact every log record of this process when it is created, whatever handlers are configured later.

    Arguments are redacted one by one (not merged into the message), so formatters that read
    record.args, like uvicorn's access log, keep working. Tracebacks are formatted and redacted too.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacting", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(value) for value in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_value(value) for key, value in record.args.items()}
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    factory.redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
