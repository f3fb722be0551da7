"""Maps errors to polite Chinese HTTP answers at the edge; never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.chat import BadRasaMessageError
from service.rasa_client import RasaUnavailableError

log = logging.getLogger(__name__)

RASA_DOWN_DETAIL = "抱歉，智能客服暂时无法应答，请稍后再试，或致电12345市民服务热线。"

FIELD_LABELS = {"sender_id": "会话标识 sender_id", "message": "消息 message"}


def _describe(error: dict[str, object]) -> str:
    loc = error.get("loc")
    location = [str(part) for part in loc if part != "body"] if isinstance(loc, list | tuple) else []
    field = FIELD_LABELS.get(location[-1], location[-1]) if location else "请求体"
    kind = str(error.get("type", ""))
    context = error.get("ctx")
    if not isinstance(context, dict):
        context = {}
    if kind == "missing":
        return f"缺少字段：{field}"
    if kind == "string_too_short":
        return f"{field}不能为空（至少{context.get('min_length')}个字符）"
    if kind == "string_too_long":
        return f"{field}过长（最多{context.get('max_length')}个字符）"
    if kind == "string_type":
        return f"{field}必须是字符串"
    if kind == "string_pattern_mismatch":
        return (
            f"{field}只能包含字母、数字、“-”和“_”" if location[-1:] == ["sender_id"] else f"{field}格式不正确"
        )
    if kind == "extra_forbidden":
        return f"不支持的字段：{field}"
    if kind == "value_error":
        return f"{field}：{context.get('error', '格式不正确')}"
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return "请求体必须是JSON对象"
    return f"{field}格式不正确"


async def validation_error(_: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    messages = [_describe(error) for error in errors]
    return JSONResponse(status_code=422, content={"detail": "；".join(messages) or "请求格式不正确"})


# Framework errors (body parsing, unknown routes) carry English details; users read Chinese.
STATUS_DETAILS = {
    400: "请求格式不正确",
    401: "需要登录",
    403: "没有权限",
    404: "找不到该地址",
    405: "不支持该请求方法",
    413: "请求内容过大",
    415: "不支持的内容类型",
}
TOO_DEEP = "请求体嵌套层次过深"


async def http_error(_: Request, exc: Exception) -> JSONResponse:
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
    detail = exc.detail if isinstance(exc, StarletteHTTPException) else None
    headers = getattr(exc, "headers", None)
    if not isinstance(detail, str) or detail.isascii():  # Chinese details are ours: kept as they are
        detail = STATUS_DETAILS.get(status, "请求无法处理")
    return JSONResponse(status_code=status, content={"detail": detail}, headers=headers)


async def too_deep(_: Request, exc: Exception) -> JSONResponse:
    log.warning("request refused: %s", type(exc).__name__)
    return JSONResponse(status_code=422, content={"detail": TOO_DEEP})


async def rasa_unavailable(_: Request, exc: Exception) -> JSONResponse:
    log.warning("Rasa unavailable: %s", exc)
    return JSONResponse(status_code=503, content={"detail": RASA_DOWN_DETAIL})


async def bad_rasa_message(_: Request, exc: Exception) -> JSONResponse:
    log.error("bad message from actions: %s", exc)
    return JSONResponse(status_code=502, content={"detail": "抱歉，系统内部出现问题，请稍后再试。"})


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RecursionError, too_deep)  # JSON nested thousands deep
    app.add_exception_handler(RasaUnavailableError, rasa_unavailable)
    app.add_exception_handler(BadRasaMessageError, bad_rasa_message)
