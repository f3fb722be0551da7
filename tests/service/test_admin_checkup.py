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
    "ref": {"kind": "rule", "id": "pledge-subsidy", "fields": ["rate_and_cap"]},
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


def test_bad_input_is_refused_in_chinese(editor: Staff) -> None:
    answer = editor.post("/admin/api/checkup", json={**RULE, "section": "later"})
    assert answer.status_code == 422
    assert "报告分组" in str(answer.json())


def test_a_rule_citing_a_missing_entry_stops_the_publish(
    boss: Staff, editor: Staff, state: AdminState
) -> None:
    broken = {**RULE, "id": "broken", "ref": {"kind": "rule", "id": "no-such-rule"}}
    assert editor.post("/admin/api/checkup", json=broken).status_code == 201
    result = publish(boss, state)
    assert result["status"] == "failed"
    assert "no-such-rule" in str(result)


def test_export_writes_checkup_yml(editor: Staff, state: AdminState, tmp_path: Path) -> None:
    assert editor.post("/admin/api/checkup", json=RULE).status_code == 201
    export(state.store, tmp_path / "out")
    data = yaml.safe_load((tmp_path / "out" / "checkup.yml").read_text(encoding="utf-8"))
    assert data["checkup"][0]["ref"]["id"] == "pledge-subsidy"
