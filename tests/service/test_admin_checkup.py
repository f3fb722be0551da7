"""Check-up rules in the admin: edited like other kinds, published with the index, read by the next report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions import constants as c
from actions import resources
from actions.checkup import ActionCheckupReport
from retrieval.store import live_knowledge_dir
from service.admin.files import export
from service.admin.state import AdminState
from tests.actions.conftest import make_tracker
from tests.service.test_admin_helpers import Staff
from tests.service.test_admin_publish import publish

pytest_plugins = ["tests.service.test_admin_helpers"]

RULE = {
    "id": "financing",
    "section": "apply",
    "when": {"plans": ["融资"]},
    "ref": {"kind": "rule", "id": "pledge-subsidy", "fields": ["eligible", "rate_and_cap"]},
    "reason": "您有融资打算。",
}
FINANCING = {
    c.SLOT_CHECKUP_INDUSTRY: "跳过",
    c.SLOT_CHECKUP_LOCATION: "五角场街道",
    c.SLOT_CHECKUP_SIZE: "跳过",
    c.SLOT_CHECKUP_IP: "跳过",
    c.SLOT_CHECKUP_PLANS: "融资",
    c.SLOT_CHECKUP_DISPUTE: "跳过",
    c.SLOT_CHECKUP_CONFIRMED: True,
}


async def next_report(state: AdminState, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the action server says for a financing profile, from the live (published) knowledge."""
    live = live_knowledge_dir(state.settings.index_dir)
    assert live is not None
    monkeypatch.setattr(resources, "knowledge_root", lambda: live)
    dispatcher = CollectingDispatcher()
    await ActionCheckupReport().run(dispatcher, make_tracker("生成报告", slots=FINANCING), {})
    [message] = dispatcher.messages
    return message


@pytest.mark.anyio
async def test_a_changed_condition_changes_the_next_report(
    boss: Staff, editor: Staff, state: AdminState, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = editor.post("/admin/api/checkup", json=RULE)
    assert created.status_code == 201, created.text
    assert publish(boss, state)["status"] == "succeeded"
    message = await next_report(state, monkeypatch)
    assert "您有融资打算" in message["text"] and "质押贷款贴息" in message["text"]

    changed = {**RULE, "when": {"plans": ["品牌建设"]}}
    assert editor.put("/admin/api/checkup/financing", json=changed).status_code == 200
    assert publish(boss, state)["status"] == "succeeded"
    message = await next_report(state, monkeypatch)
    assert "您有融资打算" not in message["text"] and "没有找到对口" in message["text"]


QUOTE = "对符合条件的企业给予质押贷款贴息"  # verbatim in the tiny knowledge base's demo-plan


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"section": "later"}, "section", "报告分组：请选择分组：可以申请/可以利用、需要注意"),
        ({"when": {"industry": ["造船"]}}, "when.industry", "行业：未知选项：造船"),
        ({"when": {"location": ["火星街道"]}}, "when.location", "街道或园区：未知选项：火星街道"),
        ({"when": {}}, "when", "条件：至少要写一个条件"),
        ({"ref": {"kind": "rule", "id": ""}}, "ref.id", "依据条目：不能为空"),
        ({"ref": {"kind": "rule", "id": "no-such-rule"}}, "ref.id", "rules.yml 中没有这条规定：no-such-rule"),
        ({"ref": {"kind": "faq", "id": "pledge-faq", "fields": ["phone"]}}, "ref.fields", "问答没有这个字段"),
        (
            {"ref": {"kind": "rule", "id": "pledge-subsidy", "fields": ["rate_and_cap"]}},
            "ref.fields",
            "缺少：eligible",
        ),
        ({"ref": {"kind": "document", "id": "demo-plan", "quote": "编造的条款"}}, "ref.quote", "找不到"),
        ({"ref": {"kind": "station_type", "id": "trademark_station"}}, "section", "只能用于“去哪里办”"),
        ({"reason": " "}, "reason", "理由：不能为空"),
    ],
)
def test_the_form_names_each_problem_next_to_its_field_in_chinese(
    editor: Staff, change: dict[str, Any], field: str, message: str
) -> None:
    answer = editor.post("/admin/api/checkup", json={**RULE, **change})
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert message in errors[field], errors
    assert editor.get("/admin/api/checkup").json() == []  # nothing was saved


def test_rules_citing_each_kind_of_entry_are_saved(editor: Staff) -> None:
    rules = [
        {**RULE, "id": "faq-line", "ref": {"kind": "faq", "id": "pledge-faq", "fields": ["answer"]}},
        {**RULE, "id": "plan-line", "ref": {"kind": "document", "id": "demo-plan", "quote": QUOTE}},
        {
            **RULE,
            "id": "where-line",
            "section": "where",
            "when": {"location": ["示例园区"]},
            "ref": {"kind": "station_type", "id": "trademark_station"},
        },
    ]
    for rule in rules:
        assert editor.post("/admin/api/checkup", json=rule).status_code == 201, rule
    changed = editor.put("/admin/api/checkup/faq-line", json={**rules[0], "ref": {"kind": "faq", "id": "x"}})
    assert changed.status_code == 422 and "ref.id" in changed.json()["errors"]


def test_the_form_offers_conditions_groups_and_the_drafts_entries(editor: Staff) -> None:
    options = editor.get("/admin/api/checkup-options").json()
    conditions = {c["field"]: c for c in options["conditions"]}
    assert list(conditions) == ["industry", "location", "size", "ip", "plans", "dispute"]
    assert conditions["industry"]["label"] == "行业" and "人工智能" in conditions["industry"]["options"]
    assert conditions["location"]["options"] == ["五角场街道", "殷行街道", "示例园区"]
    assert {"code": "apply", "label": "可以申请/可以利用"} in options["sections"]
    assert {"code": "pledge-subsidy", "label": "质押贷款贴息"} in options["entries"]["rule"]
    assert {"code": "demo-plan", "label": "杨浦区示例工作方案"} in options["entries"]["document"]
    assert {"code": "trademark_station", "label": "商标品牌指导站"} in options["entries"]["station_type"]
    assert {"code": "rate_and_cap", "label": "标准与上限"} in options["fields"]["rule"]
    assert all(f["code"] not in ("source", "status", "reviewed_by") for f in options["fields"]["rule"])
    rule = editor.get("/admin/api/rules/patent-2021").json()["data"]
    editor.put("/admin/api/rules/patent-2021", json={**rule, "title": "2021年度专利资助（旧）"})
    again = editor.get("/admin/api/checkup-options").json()
    assert {"code": "patent-2021", "label": "2021年度专利资助（旧）"} in again["entries"]["rule"]


def test_a_changed_condition_is_listed_by_its_label_in_the_history(editor: Staff) -> None:
    assert editor.post("/admin/api/checkup", json=RULE).status_code == 201
    assert (
        editor.put("/admin/api/checkup/financing", json={**RULE, "when": {"plans": ["品牌建设"]}}).status_code
        == 200
    )
    [latest, *_] = editor.get("/admin/api/versions", params={"kind": "checkup", "key": "financing"}).json()
    assert latest["summary"] == "修改：近期打算"
    changes = editor.get(f"/admin/api/versions/{latest['id']}").json()["changes"]
    assert [{k: c[k] for k in ("field", "label", "before", "after")} for c in changes] == [
        {"field": "when.plans", "label": "近期打算", "before": "融资", "after": "品牌建设"}
    ]


def test_a_rule_whose_entry_was_deleted_later_stops_the_publish(
    boss: Staff, editor: Staff, state: AdminState
) -> None:
    ref = {"kind": "rule", "id": "patent-2021", "fields": ["eligible", "rate_and_cap"]}
    cites = {**RULE, "id": "cites-2021", "ref": ref}
    assert editor.post("/admin/api/checkup", json=cites).status_code == 201
    assert editor.delete("/admin/api/rules/patent-2021").status_code == 200
    result = publish(boss, state)
    assert result["status"] == "failed"
    assert "patent-2021" in str(result)


def test_export_writes_checkup_yml(editor: Staff, state: AdminState, tmp_path: Path) -> None:
    assert editor.post("/admin/api/checkup", json=RULE).status_code == 201
    export(state.store, tmp_path / "out")
    data = yaml.safe_load((tmp_path / "out" / "checkup.yml").read_text(encoding="utf-8"))
    assert data["checkup"][0]["ref"]["id"] == "pledge-subsidy"
