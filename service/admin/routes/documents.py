"""/admin/api/documents/upload and inspect: a Markdown, TXT, DOCX or PDF file becomes a checked draft
document; title, 文号, date and issuer are proposed from the file itself, the id from the title."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile

from service.admin.convert import ConversionError, Converted, convert
from service.admin.deps import StaffDep, StateDep, client_ip
from service.admin.editing import entry_body, new_key, save_new
from service.admin.entities import validate
from service.admin.proposals import propose
from service.admin.slugs import slug_of
from service.admin.state import AdminState
from service.admin.store import EntityNotFoundError, describe

router = APIRouter(prefix="/admin/api/documents", tags=["admin"])
UploadDep = Annotated[UploadFile, File()]


def read_upload(state: AdminState, file: UploadFile) -> Converted:
    data = file.file.read(state.admin.max_upload_bytes + 1)
    if len(data) > state.admin.max_upload_bytes:
        raise ConversionError(f"文件过大（上限{state.admin.max_upload_bytes // 1024 // 1024} MB）")
    return convert(file.filename or "", data)


def key_for(state: AdminState, title: str, replace: bool) -> str:
    """The id made from a title: a free one for a new document, the plain one for a replacement."""
    return slug_of(title) if replace else new_key(state, "document", title)


def proposed_meta(state: AdminState, converted: Converted, replace: bool = False) -> dict[str, Any]:
    """The file's own metadata (Markdown front matter) over what its text says; an id from the title."""
    meta: dict[str, Any] = {k: v for k, v in propose(converted.body).as_dict().items() if v}
    meta.update({k: v for k, v in converted.meta.items() if v not in (None, "")})
    if not meta.get("id") and meta.get("title"):
        meta["id"] = key_for(state, str(meta["title"]), replace)
    return meta


@router.post("/inspect")
def inspect(_: StaffDep, state: StateDep, file: UploadDep) -> dict[str, Any]:
    """What the upload form can fill in before the file is imported; nothing is stored."""
    converted = read_upload(state, file)
    meta = proposed_meta(state, converted)
    return {"proposed": {k: str(v) for k, v in meta.items()}, "characters": len(converted.body)}


@router.post("/upload", status_code=201)
def upload(
    user: StaffDep,
    state: StateDep,
    request: Request,
    file: UploadDep,
    id: Annotated[str, Form()] = "",  # the schema's field name
    title: Annotated[str, Form()] = "",
    issuer: Annotated[str, Form()] = "",
    number: Annotated[str, Form()] = "",
    date: Annotated[str, Form()] = "",
    source_url: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    replace: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Form fields win over what the file says; replace=true updates an existing id."""
    converted = read_upload(state, file)
    form = {
        "title": title,
        "issuer": issuer,
        "number": number,
        "date": date,
        "source_url": source_url,
        "status": status,
    }
    meta = proposed_meta(state, converted, replace)
    meta.update({k: v for k, v in form.items() if v})
    if id or title:  # a typed title names the id unless an id was typed too
        meta["id"] = id or key_for(state, title, replace)
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
    return entry_body(save_new(state, "document", raw, user.username, ip))
