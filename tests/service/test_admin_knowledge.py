"""Draft knowledge API: stations, rules, FAQ, terms and documents with per-field Chinese validation."""

from __future__ import annotations

from typing import Any

import pytest

from service.admin.state import AdminState
from tests.service.test_admin_helpers import STATION, Staff

pytest_plugins = ["tests.service.test_admin_helpers"]


def test_seeded_entries_are_listed_in_file_order(editor: Staff) -> None:
    stations = editor.get("/admin/api/stations").json()
    assert [s["key"] for s in stations] == ["north-station", "copyright-desk"]
    assert stations[0]["data"]["phone"] == "021-11112222"
    assert stations[0]["version"] == 1 and stations[0]["updated_by"] == "system"
    document = editor.get("/admin/api/documents/demo-plan")
    assert document.json()["data"]["number"] == "示发〔2024〕1号"
    assert "质押贷款贴息" in document.json()["data"]["body"]
    assert document.headers["etag"] == '"1"'
    terms = editor.get("/admin/api/terms").json()
    assert [t["key"] for t in terms] == ["质押融资", "商标品牌指导站", "贴息"]
    places = editor.get("/admin/api/locations").json()
    assert places["streets"] == ["五角场街道", "殷行街道"] and places["parks"] == ["示例园区"]
    assert {"code": "trademark_station", "label": "商标品牌指导站"} in places["station_types"]


def test_editor_creates_a_station_and_it_is_versioned_and_audited(editor: Staff, state: AdminState) -> None:
    response = editor.post("/admin/api/stations", json=STATION)
    assert response.status_code == 201, response.text
    assert response.json()["version"] == 1
    assert editor.get("/admin/api/stations/south-station").json()["data"]["phone"] == "021-33334444"
    versions = editor.get("/admin/api/versions", params={"kind": "station", "key": "south-station"}).json()
    assert [(v["action"], v["author"]) for v in versions] == [("create", "editor")]
    audit = state.store.audit_log()[0]
    assert (audit.actor, audit.action) == ("editor", "create") and "south-station" in audit.target


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"phone": "12-34"}, "phone", "电话格式不正确"),
        ({"streets": ["不存在街道"]}, "streets", "未知街道"),
        ({"parks": ["火星园区"]}, "parks", "未知园区"),
        ({"name": ""}, "name", "名称：不能为空"),
        ({"id": "Bad Id!"}, "id", "只能包含小写字母"),
        ({"type": "bakery"}, "type", "请选择类型"),
        ({"verified": "maybe"}, "verified", "应为是或否"),
        ({"colour": "red"}, "colour", "不支持的字段"),
    ],
)
def test_invalid_station_fields_get_chinese_errors_next_to_the_field(
    editor: Staff, change: dict[str, Any], field: str, words: str
) -> None:
    response = editor.post("/admin/api/stations", json={**STATION, **change})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert words in errors[field], errors
    assert response.json()["detail"].startswith("请修正标出的字段")
    assert editor.get("/admin/api/stations/south-station").status_code == 404


def test_missing_required_fields_are_named(editor: Staff) -> None:
    response = editor.post("/admin/api/stations", json={"id": "x-station"})
    errors = response.json()["errors"]
    assert errors["name"] == "名称：必填" and errors["type"] == "类型：必填"


def test_duplicate_ids_are_refused(editor: Staff) -> None:
    response = editor.post("/admin/api/stations", json={**STATION, "id": "north-station"})
    assert response.status_code == 422
    assert "已存在" in response.json()["errors"]["id"]


def test_body_must_be_a_json_object(editor: Staff) -> None:
    assert editor.post("/admin/api/stations", json=["not", "an", "object"]).status_code == 422
    assert (
        editor.post(
            "/admin/api/stations",
            content=b"{broken",
            headers={**editor.headers, "Content-Type": "application/json"},
        ).status_code
        == 422
    )


def test_update_changes_one_field_with_a_readable_diff(editor: Staff) -> None:
    current = editor.get("/admin/api/stations/north-station").json()["data"]
    response = editor.put("/admin/api/stations/north-station", json={**current, "phone": "021-55556666"})
    assert response.status_code == 200 and response.json()["version"] == 2
    newest = editor.get("/admin/api/versions", params={"key": "north-station"}).json()[0]
    assert newest["summary"] == "修改：电话" and newest["author"] == "editor"
    detail = editor.get(f"/admin/api/versions/{newest['id']}").json()
    [change] = detail["changes"]
    assert (change["label"], change["before"], change["after"]) == ("电话", "021-11112222", "021-55556666")
    assert change["segments"] == [  # only the changed digits are marked, the shared prefix is not
        {"op": "equal", "text": "021-"},
        {"op": "delete", "text": "11112222"},
        {"op": "insert", "text": "55556666"},
    ]
    assert "diff" not in detail  # no YAML rendering any more


def test_saving_unchanged_data_makes_no_new_version(editor: Staff) -> None:
    current = editor.get("/admin/api/stations/north-station").json()["data"]
    assert editor.put("/admin/api/stations/north-station", json=current).json()["version"] == 1


def test_stale_edits_conflict(editor: Staff, boss: Staff) -> None:
    current = editor.get("/admin/api/stations/north-station").json()["data"]
    assert (
        boss.put("/admin/api/stations/north-station", json={**current, "hours": "工作日"}).status_code == 200
    )
    stale = editor.client.put(
        "/admin/api/stations/north-station",
        json={**current, "phone": "021-55556666"},
        headers={**editor.headers, "If-Match": '"1"'},
    )
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]


def test_ids_cannot_be_renamed_and_missing_entries_are_404(editor: Staff) -> None:
    current = editor.get("/admin/api/stations/north-station").json()["data"]
    renamed = editor.put("/admin/api/stations/north-station", json={**current, "id": "other"})
    assert renamed.status_code == 422 and "不可修改" in renamed.json()["errors"]["id"]
    missing = editor.put("/admin/api/stations/nope", json=current)
    assert missing.status_code == 404 and missing.json()["detail"] == "条目不存在（可能已被删除）"
    assert editor.delete("/admin/api/stations/nope").status_code == 404
    assert editor.get("/admin/api/stations/nope").status_code == 404


def test_delete_then_restore_brings_the_entry_back(editor: Staff, state: AdminState) -> None:
    assert editor.delete("/admin/api/stations/north-station").status_code == 200
    assert editor.get("/admin/api/stations/north-station").status_code == 404
    assert [s["key"] for s in editor.get("/admin/api/stations").json()] == ["copyright-desk"]
    history = editor.get("/admin/api/versions", params={"key": "north-station"}).json()
    assert [v["action"] for v in history] == ["delete", "seed"]
    restored = editor.post(f"/admin/api/versions/{history[1]['id']}/restore")
    assert restored.status_code == 200 and restored.json()["version"] == 3
    back = editor.get("/admin/api/stations/north-station").json()
    assert back["data"]["phone"] == "021-11112222" and back["version"] == 3
    assert [s["key"] for s in editor.get("/admin/api/stations").json()] == ["north-station", "copyright-desk"]
    assert ("editor", "restore") in [(r.actor, r.action) for r in state.store.audit_log()]
    assert editor.post("/admin/api/versions/99999/restore").status_code == 404


def test_rules_faq_and_terms_round_trip_through_the_api(editor: Staff) -> None:
    rule = {
        "id": "new-rule",
        "title": "新规则",
        "category": "专利资助",
        "level": "杨浦区",
        "source": "示例",
        "source_date": "2024-03-15",
        "status": "current",
    }
    assert editor.post("/admin/api/rules", json=rule).status_code == 201
    bad_rule = editor.post("/admin/api/rules", json={**rule, "id": "r2", "status": "maybe"})
    assert "状态" in bad_rule.json()["errors"]["status"]
    faq = {
        "id": "new-faq",
        "question": "问？",
        "answer": "答。",
        "source": "示例",
        "source_date": "2024-03-15",
        "status": "current",
    }
    assert editor.post("/admin/api/faq", json=faq).status_code == 201
    assert (
        "答案：不能为空"
        == editor.post("/admin/api/faq", json={**faq, "id": "f2", "answer": ""}).json()["errors"]["answer"]
    )
    assert (
        editor.post("/admin/api/terms", json={"word": "高价值专利", "freq": 5000, "tag": "n"}).status_code
        == 201
    )
    assert (
        editor.post("/admin/api/terms", json={"word": "两个 词"}).json()["errors"]["word"]
        == "词语：不能包含空格"
    )
    assert (
        editor.post("/admin/api/terms", json={"word": "词", "freq": 0})
        .json()["errors"]["freq"]
        .startswith("词频")
    )
    assert editor.delete("/admin/api/terms/贴息").status_code == 200
    assert [t["key"] for t in editor.get("/admin/api/terms").json()][-1] == "高价值专利"


def test_documents_are_created_flat_and_validated(editor: Staff) -> None:
    document = {
        "id": "new-doc",
        "title": "新文件",
        "date": "2024-01-02",
        "status": "current",
        "body": "正文。",
    }
    created = editor.post("/admin/api/documents", json=document)
    assert created.status_code == 201 and created.json()["data"]["date"] == "2024-01-02"
    bad = editor.post("/admin/api/documents", json={**document, "id": "d2", "date": "去年", "body": ""})
    assert bad.json()["errors"]["date"] == "发文日期：日期格式应为 YYYY-MM-DD"
    assert bad.json()["errors"]["body"] == "正文：不能为空"


def test_changing_a_phone_lists_entries_that_still_state_the_old_one(editor: Staff) -> None:
    faq = {
        "id": "north-phone",
        "question": "北区指导站电话？",
        "answer": "电话021-11112222。",
        "source": "示例名录",
        "source_date": "2023-06-14",
        "status": "current",
    }
    assert editor.post("/admin/api/faq", json=faq).status_code == 201
    current = editor.get("/admin/api/stations/north-station").json()["data"]
    same = editor.put("/admin/api/stations/north-station", json={**current, "hours": "工作日"})
    assert same.json()["warnings"] == []
    changed = editor.put("/admin/api/stations/north-station", json={**current, "phone": "021-55556666"})
    assert changed.status_code == 200
    assert changed.json()["warnings"] == [
        {
            "kind": "faq",
            "kind_label": "常见问答",
            "key": "north-phone",
            "title": "北区指导站电话？",
            "value": "021-11112222",
        }
    ]
