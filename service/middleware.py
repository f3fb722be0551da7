"""Edge protection: body-size and rate limits, polite answers for unexpected failures, redacted logs."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.ratelimit import EdgeRates, allow_all
from service.redaction import redact
from service.settings import Settings
from service.wechat.errors import BAD_MESSAGE_DETAIL

TOO_LARGE = "请求内容过大（上限{limit}字节），请精简后再试。"
TOO_MANY = "您的请求过于频繁，请稍后再试。"
STORAGE_DOWN = "抱歉，系统暂时繁忙，请稍后再试，或致电12345市民服务热线。"
UNEXPECTED = "抱歉，系统内部出现问题，请稍后再试。"
LIMITED_METHODS = frozenset({"POST", "PUT", "PATCH"})
log = logging.getLogger(__name__)


class BodyTooLargeError(Exception):
    """The request body is over its path's limit (413)."""


UPLOAD_PATH = "/admin/api/documents/upload"
LOGIN_PATH = "/admin/api/login"


def edge_rates(settings: Settings) -> EdgeRates:
    return EdgeRates.from_rates(
        {
            "sender": (settings.rate_sender_per_s, settings.rate_sender_burst),
            "chat_ip": (settings.rate_ip_per_s, settings.rate_ip_burst),
            "wechat_ip": (settings.rate_wechat_ip_per_s, settings.rate_wechat_ip_burst),
            "feedback": (settings.rate_feedback_per_s, settings.rate_feedback_burst),
            "login": (settings.rate_login_per_s, settings.rate_login_burst),
        }
    )


class EdgeLimits:
    """Pure ASGI middleware: reads each limited body once (bounded), checks limits, replays it to the app.

    Rate limits here apply to /api/chat (per sender_id and per client IP), /api/feedback and the staff
    login (per client IP). /wechat is only size-limited here: its buckets are charged by the router
    after the signature has been checked, so forged requests cannot spend a real user's bucket.
    With IPGP_REDIS_URL set the buckets are shared by every gateway (service/ratelimit_redis.py);
    otherwise they are per process. The client IP is what uvicorn reports (X-Forwarded-For only from
    --forwarded-allow-ips).
    """

    def __init__(self, app: ASGIApp, settings: Settings, rates: EdgeRates) -> None:
        self.app = app
        self.max_body = settings.max_body_bytes
        self.max_admin_body = settings.max_admin_body_bytes
        self.max_upload_body = settings.max_upload_body_bytes
        self.max_wechat_body = settings.wechat_max_body_bytes
        self.rates = rates

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
        if path == UPLOAD_PATH:
            return self.max_upload_body
        if path == LOGIN_PATH:
            return self.max_body
        if path == "/admin" or path.startswith("/admin/"):
            return self.max_admin_body
        if path == "/wechat":
            return self.max_wechat_body
        return self.max_body

    def _allowed(self, scope: Scope, path: str, body: bytes) -> bool:
        ip = client_ip(scope)
        if path == "/api/chat":
            checks = [(self.rates.chat_ip, f"ip:{ip}")]
            sender = _chat_sender(body)
            if sender:
                checks.append((self.rates.sender, f"web:{sender}"))
        elif path == "/api/feedback":
            checks = [(self.rates.feedback, f"ip:{ip}")]
        elif path == LOGIN_PATH:
            checks = [(self.rates.login, f"ip:{ip}")]
        else:
            return True
        return allow_all(checks)


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


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
    """sender_id of a chat request; "" when the body is not the expected JSON (the app answers 4xx)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return ""
    sender = data.get("sender_id") if isinstance(data, dict) else None
    return sender[:64] if isinstance(sender, str) else ""


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


def _strip_query(record: logging.LogRecord) -> None:
    """uvicorn's access line is (client, method, path?query, version, status): keep only the path.

    Query strings carry WeChat's signature, timestamp and nonce, and could carry anything a client adds.
    """
    if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
        path = record.args[2].split("?", 1)[0]
        record.args = (*record.args[:2], path, *record.args[3:])


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
        if record.name == "uvicorn.access":
            _strip_query(record)
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
