"""/admin/api/documents/upload: a Markdown, TXT, DOCX or PDF file becomes a checked draft document."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile

from service.admin.convert import ConversionError, convert
from service.admin.deps import StaffDep, StateDep, client_ip
from service.admin.editing import entry_body, save_new
from service.admin.entities import validate
from service.admin.store import EntityNotFoundError, describe

router = APIRouter(prefix="/admin/api/documents", tags=["admin"])


@router.post("/upload", status_code=201)
def upload(
    user: StaffDep,
    state: StateDep,
    request: Request,
    file: Annotated[UploadFile, File()],
    id: Annotated[str, Form()] = "",  # the schema's field name
    title: Annotated[str, Form()] = "",
    issuer: Annotated[str, Form()] = "",
    number: Annotated[str, Form()] = "",
    date: Annotated[str, Form()] = "",
    source_url: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    replace: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Form fields win over front matter in an uploaded Markdown file; replace=true updates an existing id."""
    data = file.file.read(state.admin.max_upload_bytes + 1)
    if len(data) > state.admin.max_upload_bytes:
        raise ConversionError(f"文件过大（上限{state.admin.max_upload_bytes // 1024 // 1024} MB）")
    converted = convert(file.filename or "", data)
    form = {
        "id": id,
        "title": title,
        "issuer": issuer,
        "number": number,
        "date": date,
        "source_url": source_url,
        "status": status,
    }
    meta: dict[str, Any] = {k: v for k, v in converted.meta.items() if v not in (None, "")}
    meta.update({k: v for k, v in form.items() if v})
    meta.setdefault("status", "current")
    raw = {**{str(k): (str(v) if k == "date" else v) for k, v in meta.items()}, "body": converted.body}
    ip = client_ip(request)
    if replace:
        checked = validate("document", raw, None)
        try:
            state.store.get("document", checked.key)
        except EntityNotFoundError:
            return entry_body(save_new(state, "document", raw, user.username, ip))
        entry = state.store.update("document", checked.key, checked.data, user.username)
        state.store.audit(
            user.username,
            "upload",
            describe("document", checked.key, checked.data),
            f"版本{entry.version}，文件{file.filename}",
            ip,
        )
        return entry_body(entry)
    entry = save_new(state, "document", raw, user.username, ip)
    return entry_body(entry)
