"""/admin/api/<resource> of every edited kind (list, read, create, update, delete drafts); /kinds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, Query, Request, Response

from service.admin.checkup import form_options
from service.admin.consistency import stale_mentions
from service.admin.deps import StaffDep, StateDep, client_ip
from service.admin.editing import checked, entry_body, new_key, save_new
from service.admin.entities import EntityValidationError
from service.admin.freshness import keep_review
from service.admin.kinds import KIND_LIST, KINDS, Kind, edited_kinds
from service.admin.station_types import type_choices
from service.admin.store import describe


def _if_match(value: str | None) -> int | None:
    return int(value.strip('"')) if value and value.strip('"').isdigit() else None


def make_router(spec: Kind) -> APIRouter:
    """The five routes of one kind; editors and admins may write, with the CSRF header."""
    router = APIRouter(prefix=f"/admin/api/{spec.resource}", tags=["admin"])
    kind, key_field = spec.code, spec.key_field

    @router.get("")
    def list_entries(_: StaffDep, state: StateDep) -> list[dict[str, Any]]:
        return [entry_body(e) for e in state.store.entries(kind)]

    @router.get("/{key}")
    def read_entry(key: str, _: StaffDep, state: StateDep, response: Response) -> dict[str, Any]:
        entry = state.store.get(kind, key)
        response.headers["ETag"] = f'"{entry.version}"'
        return entry_body(entry)

    @router.post("", status_code=201)
    def create_entry(
        user: StaffDep, state: StateDep, request: Request, raw: Annotated[dict[str, Any], Body()]
    ) -> dict[str, Any]:
        return entry_body(save_new(state, kind, raw, user.username, client_ip(request)))

    @router.put("/{key}")
    def update_entry(
        key: str,
        user: StaffDep,
        state: StateDep,
        request: Request,
        raw: Annotated[dict[str, Any], Body()],
        if_match: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        """The answer lists other entries that still state a replaced phone number or address."""
        before = state.store.get(kind, key)
        raw = keep_review(kind, {**raw, key_field: raw.get(key_field, key)}, before.data)
        valid = checked(state, kind, raw)
        if valid.key != key:
            raise EntityValidationError({key_field: "编号不可修改；如需改名，请新建条目后删除旧条目"})
        entry = state.store.update(kind, key, valid.data, user.username, _if_match(if_match))
        if entry.version != before.version:
            state.store.audit(
                user.username,
                "update",
                describe(kind, key, valid.data),
                f"版本{entry.version}",
                client_ip(request),
            )
        return {
            **entry_body(entry),
            "warnings": stale_mentions(state.store, kind, key, before.data, entry.data),
        }

    @router.delete("/{key}")
    def delete_entry(key: str, user: StaffDep, state: StateDep, request: Request) -> dict[str, Any]:
        entry = state.store.get(kind, key)
        version = state.store.delete(kind, key, user.username)
        state.store.audit(
            user.username, "delete", describe(kind, key, entry.data), f"版本{version}", client_ip(request)
        )
        return {"detail": "已删除（可在版本历史中恢复）", "version": version}

    return router


routers = [make_router(spec) for spec in edited_kinds()]

reference = APIRouter(prefix="/admin/api", tags=["admin"])


@reference.get("/kinds")
def kinds(_: StaffDep) -> list[dict[str, Any]]:
    """The table of knowledge kinds, for the page's lists, forms and labels."""
    return [kind.as_dict() for kind in KIND_LIST]


@reference.get("/slug")
def slug(
    _: StaffDep, state: StateDep, kind: str = Query(), title: str = Query(min_length=1, max_length=300)
) -> dict[str, str]:
    """The id a new entry with this title would get (shown in the form as the title is typed)."""
    if kind not in KINDS or KINDS[kind].key_field != "id":
        raise HTTPException(status_code=422, detail=f"该类别的编号不由标题生成：{kind}")
    return {"id": new_key(state, kind, title)}


@reference.get("/locations")
def locations(_: StaffDep, state: StateDep) -> dict[str, Any]:
    """Streets and parks for the station form (canonical names only are accepted)."""
    places = state.store.locations()
    return {
        "streets": [s.name for s in places.streets] if places else [],
        "parks": [p.name for p in places.parks] if places else [],
        "station_types": type_choices(state.store),
    }


@reference.get("/checkup-options")
def checkup_options(_: StaffDep, state: StateDep) -> dict[str, Any]:
    """The check-up rule form's choices, from the draft: conditions, groups, entries to cite."""
    return form_options(state.store)
