"""/wechat: the Official Account webhook (URL verification, plaintext, compatible and safe modes)."""

from __future__ import annotations

import asyncio
import logging
import time
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response

from service.deps import RasaDep, SettingsDep, StoreDep
from service.ratelimit import EdgeRates, allow_all
from service.settings import Settings
from service.wechat.crypto import MessageCrypto
from service.wechat.errors import BAD_MESSAGE_DETAIL, BadMessageError, NotConfiguredError, SignatureError
from service.wechat.parse import Incoming, encrypted_part, parse
from service.wechat.replay import ReplayGuard
from service.wechat.reply import text_reply
from service.wechat.responder import Responder
from service.wechat.signature import verify_url

log = logging.getLogger(__name__)
router = APIRouter(tags=["wechat"])


def get_responder(request: Request) -> Responder:
    responder: Responder = request.app.state.wechat
    return responder


ResponderDep = Annotated[Responder, Depends(get_responder)]


@router.get("/wechat", response_class=PlainTextResponse)
async def verify(
    settings: SettingsDep, signature: str = "", timestamp: str = "", nonce: str = "", echostr: str = ""
) -> PlainTextResponse:
    """WeChat's server check when the URL is saved: echo `echostr` when the signature is ours."""
    try:
        verify_url(_token(settings), signature, timestamp, nonce)
    except SignatureError as error:
        raise HTTPException(403, "签名校验失败") from error
    return PlainTextResponse(echostr)


@router.post("/wechat")
async def receive(
    request: Request,
    settings: SettingsDep,
    rasa: RasaDep,
    store: StoreDep,
    responder: ResponderDep,
    signature: str = "",
    timestamp: str = "",
    nonce: str = "",
    encrypt_type: str = "",
    msg_signature: str = "",
) -> Response:
    """Signature first (nothing else is done for a forged request), then freshness, body, rate, answer."""
    deadline = asyncio.get_running_loop().time() + settings.wechat_reply_deadline_s
    crypto: MessageCrypto | None = None
    try:
        verify_url(_token(settings), signature, timestamp, nonce)
        body = await _read_body(request, settings.wechat_max_body_bytes)
        get_replay_guard(request).check(timestamp, nonce, body)
        mode = encrypt_type.lower()
        if mode == "aes":
            crypto = _crypto(settings)
            incoming = parse(crypto.decrypt(encrypted_part(body), msg_signature, timestamp, nonce))
        elif mode in ("", "raw"):
            if settings.wechat_encoding_aes_key:  # safe mode configured: an unsigned body is not trusted
                raise SignatureError("plaintext message while safe mode is configured")
            incoming = parse(body)
        else:
            raise BadMessageError(f"unknown encrypt_type {encrypt_type[:16]!r}")
    except SignatureError as error:
        log.warning("WeChat request refused: %s", error)
        raise HTTPException(403, "签名校验失败") from error
    except BadMessageError as error:
        log.warning("WeChat request refused: %s", error)
        raise HTTPException(400, BAD_MESSAGE_DETAIL) from error
    if not _within_rate(request, incoming.openid):
        # WeChat retries a non-200 answer and shows users an error; `success` drops this message quietly.
        log.warning("WeChat message over the rate limit, not answered")
        return PlainTextResponse("success")
    content = await responder.respond(incoming, rasa, store, deadline=deadline)
    if content is None:
        return PlainTextResponse("success")
    return Response(_reply(incoming, content, crypto, nonce), media_type="application/xml")


def get_replay_guard(request: Request) -> ReplayGuard:
    guard: ReplayGuard = request.app.state.wechat_replay
    return guard


def _within_rate(request: Request, openid: str) -> bool:
    rates: EdgeRates = request.app.state.rates
    client = request.client
    ip = client.host if client else "unknown"
    return allow_all([(rates.wechat_ip, f"ip:{ip}"), (rates.sender, f"wechat:{openid}")])


def _reply(incoming: Incoming, content: str, crypto: MessageCrypto | None, nonce: str) -> str:
    now = int(time.time())
    xml = text_reply(incoming, content, now)
    return crypto.encrypt(xml, nonce, str(now)) if crypto else xml


def _token(settings: Settings) -> str:
    if not settings.wechat_token:
        raise HTTPException(503, "公众号接口未配置")
    return settings.wechat_token


def _crypto(settings: Settings) -> MessageCrypto:
    try:
        return _cached_crypto(settings.wechat_token, settings.wechat_encoding_aes_key, settings.wechat_app_id)
    except NotConfiguredError as error:
        log.error("safe-mode message but crypto is not configured: %s", error)
        raise HTTPException(503, "公众号消息加解密未配置") from error


@lru_cache(maxsize=4)
def _cached_crypto(token: str, encoding_aes_key: str, app_id: str) -> MessageCrypto:
    return MessageCrypto(token, encoding_aes_key, app_id)


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refusing more than `limit` bytes without reading them all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BadMessageError(f"body of {declared} bytes is over the limit")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BadMessageError("body is over the limit")
    return bytes(body)
