"""Freshness review in the admin: list and filters, 已复核, the dashboard count, the publish warning."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from service.admin.review import CHINA
from service.admin.state import AdminState
from tests.service.test_admin_helpers import Staff

pytest_plugins = ["tests.service.test_admin_helpers"]

ALL = {
    "demo-plan",
    "pledge-subsidy",
    "patent-2021",
    "north-station",
    "copyright-desk",
    "pledge-faq",
}


def listing(staff: Staff, **params: Any) -> dict[str, Any]:
    response = staff.get("/admin/api/freshness", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def ids(report: dict[str, Any]) -> set[str]:
    return {entry["id"] for entry in report["entries"]}


@pytest.fixture
def ten_years(state: AdminState) -> AdminState:
    """Only entries of unknown status or undated source are overdue, whatever today's date."""
    state.admin.freshness_months = 120
    return state


def test_the_page_lists_every_entry_with_counts(editor: Staff, state: AdminState) -> None:
    report = listing(editor)
    assert ids(report) == ALL and report["max_age_months"] == 12
    assert report["today"] == datetime.now(CHINA).date().isoformat()
    summary = report["summary"]
    assert summary["total"] == 6
    assert summary["by_status"] == {"current": 4, "historical": 1, "unknown": 1}
    desk = next(e for e in report["entries"] if e["id"] == "copyright-desk")
    assert desk["overdue"] and desk["reasons"] == ["unknown_status", "undated"]
    assert desk["reason_labels"] == ["现行状态未核实", "来源未注明日期"] and desk["reviewable"]
    plan = next(e for e in report["entries"] if e["id"] == "demo-plan")
    assert plan["kind_label"] == "文档" and not plan["reviewable"]


def test_filters(editor: Staff, ten_years: AdminState) -> None:
    assert ids(listing(editor, kind="station")) == {"north-station", "copyright-desk"}
    assert ids(listing(editor, status="historical")) == {"patent-2021"}
    assert ids(listing(editor, overdue="true")) == {"copyright-desk"}
    assert ids(listing(editor, overdue="false")) == ALL - {"copyright-desk"}
    assert ids(listing(editor, reason="undated")) == {"copyright-desk"}
    assert ids(listing(editor, q="贴息")) == {"pledge-subsidy", "pledge-faq"}
    assert ids(listing(editor, q="2021")) == {"patent-2021"}
    assert listing(editor, kind="station")["summary"]["total"] == 6  # counts are of the whole draft
    assert editor.get("/admin/api/freshness", params={"status": "maybe"}).status_code == 422


def test_login_is_required(admin_client: TestClient) -> None:
    assert admin_client.get("/admin/api/freshness").status_code == 401


def test_reviewed_records_who_when_and_against_what(editor: Staff, state: AdminState, tmp_path: Path) -> None:
    before = state.store.get("rule", "patent-2021")
    assert next(e for e in listing(editor)["entries"] if e["id"] == "patent-2021")["overdue"]
    response = editor.post(
        "/admin/api/freshness/rule/patent-2021/review", json={"against": "区知识产权局官网通知 2026-12-01"}
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    today = datetime.now(CHINA).date().isoformat()
    assert (data["reviewed_by"], data["reviewed_on"]) == ("editor", today)
    assert data["reviewed_against"] == "区知识产权局官网通知 2026-12-01"
    assert response.json()["version"] == before.version + 1
    entry = next(e for e in listing(editor)["entries"] if e["id"] == "patent-2021")
    assert not entry["overdue"] and entry["reviewed_by"] == "editor" and entry["age_months"] == 0
    assert ("editor", "review") in [(r.actor, r.action) for r in state.store.audit_log()]
    # stored with the entry, so it is published and read by `python -m retrieval audit` too
    state.export(tmp_path / "out")
    rules = yaml.safe_load((tmp_path / "out" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    exported = next(r for r in rules if r["id"] == "patent-2021")
    assert exported["reviewed_by"] == "editor" and str(exported["reviewed_on"]) == today
    assert "reviewed_by" not in next(r for r in rules if r["id"] == "pledge-subsidy")
    # an ordinary edit through the form (which does not send the review) keeps it
    form = {k: v for k, v in data.items() if not k.startswith("reviewed_")}
    edited = editor.put("/admin/api/rules/patent-2021", json={**form, "notes": "已核对"})
    assert edited.status_code == 200 and edited.json()["data"]["reviewed_by"] == "editor"


def test_a_review_does_not_make_an_unknown_status_current(editor: Staff, ten_years: AdminState) -> None:
    ok = editor.post("/admin/api/freshness/station/copyright-desk/review", json={"against": "电话核实"})
    assert ok.status_code == 200
    desk = next(e for e in listing(editor)["entries"] if e["id"] == "copyright-desk")
    assert desk["reasons"] == ["unknown_status"] and desk["overdue"]


def test_bad_reviews_are_refused(editor: Staff) -> None:
    url = "/admin/api/freshness/rule/patent-2021/review"
    assert editor.post(url, json={"against": ""}).status_code == 422
    assert editor.post(url, json={}).status_code == 422
    assert editor.post(url, json={"against": "官网", "by": "别人"}).status_code == 422
    assert (
        editor.post("/admin/api/freshness/document/demo-plan/review", json={"against": "官网"}).status_code
        == 400
    )
    assert (
        editor.post("/admin/api/freshness/rule/nothing/review", json={"against": "官网"}).status_code == 404
    )
    no_csrf = editor.client.post(url, json={"against": "官网"})
    assert no_csrf.status_code == 403


def test_dashboard_counts_overdue_entries(editor: Staff, ten_years: AdminState) -> None:
    assert editor.get("/admin/api/dashboard").json()["overdue_entries"] == 1


def test_publishing_warns_about_overdue_entries(boss: Staff, ten_years: AdminState) -> None:
    overview = boss.get("/admin/api/publish").json()
    assert overview["overdue_entries"] == 1
    assert "将发布1条需复核的条目" in overview["freshness_warning"]
    started = boss.post("/admin/api/publish")
    assert started.status_code == 202 and started.json()["overdue_entries"] == 1
    ten_years.publisher.wait(timeout=120)
    assert boss.get(f"/admin/api/publish/{started.json()['id']}").json()["status"] == "succeeded"
    ten_years.admin.freshness_months = 12
    assert boss.get("/admin/api/publish").json()["overdue_entries"] >= 1


def test_saving_applies_the_status_discipline(editor: Staff) -> None:
    faq = {
        "id": "undated",
        "question": "问？",
        "answer": "答。",
        "source": "某页面",
        "source_date": "未注明",
        "status": "current",
    }
    refused = editor.post("/admin/api/faq", json=faq)
    assert refused.status_code == 422
    assert refused.json()["errors"]["status"].startswith("状态：来源未注明日期的政策不能标为 current")
    missing = editor.post("/admin/api/faq", json={k: v for k, v in faq.items() if k != "status"})
    assert "status" in missing.json()["errors"]
    bad_date = editor.post("/admin/api/faq", json={**faq, "source_date": "去年"})
    assert bad_date.json()["errors"]["source_date"].startswith("来源日期：")
    assert editor.post("/admin/api/faq", json={**faq, "status": "unknown"}).status_code == 201


def test_the_page_has_the_freshness_view(admin_client: TestClient) -> None:
    page = admin_client.get("/admin").text
    assert 'href="#freshness">信息时效</a>' in page
    assert page.index("/admin/assets/freshness.js") < page.index("/admin/assets/review.js")  # before start
    script = admin_client.get("/admin/assets/freshness.js")
    assert script.status_code == 200 and "state.views.freshness" in script.text and "已复核" in script.text
