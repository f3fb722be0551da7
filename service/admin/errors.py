"""Maps admin errors to Chinese HTTP answers; validation errors carry one message per field."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from retrieval.errors import KnowledgeFormatError, RetrievalError
from service.admin.auth import UserExistsError, UserNotFoundError, WeakPasswordError
from service.admin.convert import ConversionError
from service.admin.entities import EntityValidationError
from service.admin.publish import PublishBusyError, format_error
from service.admin.referrals import ReferralNotFoundError
from service.admin.store import EditConflictError, EntityNotFoundError, VersionNotFoundError


def _json(status: int, detail: str, **extra: object) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": detail, **extra})


async def invalid_entity(_: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors if isinstance(exc, EntityValidationError) else {}
    return _json(422, "请修正标出的字段：" + "；".join(errors.values()), errors=errors)


async def not_found(_: Request, exc: Exception) -> JSONResponse:
    what = {
        EntityNotFoundError: "条目不存在（可能已被删除）",
        VersionNotFoundError: "版本不存在",
        UserNotFoundError: "用户不存在",
        ReferralNotFoundError: "转介记录不存在",
    }
    return _json(404, next((text for kind, text in what.items() if isinstance(exc, kind)), "不存在"))


async def conflict(_: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, EditConflictError):
        return _json(409, "该条目已被他人修改，请刷新后再编辑")
    if isinstance(exc, PublishBusyError):
        return _json(409, "已有发布任务正在进行，请等待其完成", publish_id=int(str(exc)))
    return _json(409, "用户名已存在")


async def weak_password(_: Request, exc: Exception) -> JSONResponse:
    return _json(422, str(exc), errors={"password": str(exc)})


async def bad_upload(_: Request, exc: Exception) -> JSONResponse:
    return _json(422, str(exc), errors={"file": str(exc)})


async def knowledge_invalid(_: Request, exc: Exception) -> JSONResponse:
    detail = format_error(exc) if isinstance(exc, KnowledgeFormatError) else "知识库校验失败"
    return _json(422, detail)


async def index_unavailable(_: Request, exc: Exception) -> JSONResponse:
    return _json(503, f"检索索引暂不可用：{exc}")


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(EntityValidationError, invalid_entity)
    missing: tuple[type[Exception], ...] = (
        EntityNotFoundError,
        VersionNotFoundError,
        UserNotFoundError,
        ReferralNotFoundError,
    )
    for kind in missing:
        app.add_exception_handler(kind, not_found)
    for kind in (EditConflictError, PublishBusyError, UserExistsError):
        app.add_exception_handler(kind, conflict)
    app.add_exception_handler(WeakPasswordError, weak_password)
    app.add_exception_handler(ConversionError, bad_upload)
    app.add_exception_handler(KnowledgeFormatError, knowledge_invalid)
    app.add_exception_handler(RetrievalError, index_unavailable)
