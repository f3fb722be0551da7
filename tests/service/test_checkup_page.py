"""The check-up report's print page: linked from the reply, a random token, escaped, gone after retention."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from service.admin.dashboard import dashboard
from service.admin.review import CHINA
from service.privacy import forget, purge
from service.store import CheckupReportRow, Store
from tests.service.conftest import ScriptedRasa

REPORT: dict[str, Any] = {
    "profile": {"industry": ["人工智能"], "location": ["五角场街道"], "ip": [], "plans": ["融资"]},
    "sections": [
        {
            "key": "apply",
            "title": "可以申请/可以利用",
            "lines": [
                {
                    "text": "您有融资打算。<script>alert(1)</script>",
                    "source": "杨府发〔2024〕4号",
                    "ref": {"kind": "rule", "id": "yp-ip-pledge-loan-interest-subsidy"},
                    "entry": "financing-pledge-subsidy",
                    "demo": False,
                }
            ],
        },
        {
            "key": "where",
            "title": "去哪里办",
            "lines": [{"text": "商标品牌指导站（大创智）（演示）", "source": "演示", "demo": True}],
        },
    ],
}
LINK = re.compile(r"/checkup/([A-Za-z0-9_-]+)")


def run_checkup(client: TestClient, rasa: ScriptedRasa, sender: str = "visitor-1") -> str:
    rasa.replies.append(
        [
            {"recipient_id": sender, "text": "知识产权体检报告\n……"},
            {"recipient_id": sender, "custom": {"checkup": REPORT}},
        ]
    )
    body = client.post("/api/chat", json={"sender_id": sender, "message": "生成报告"}).json()
    [reply] = body["replies"]
    match = LINK.search(reply["text"])
    assert match, reply["text"]
    return match.group(0)


def test_the_reply_links_a_print_page_without_personal_data(client: TestClient, rasa: ScriptedRasa) -> None:
    path = run_checkup(client, rasa)
    assert "visitor-1" not in path and len(path.rsplit("/", 1)[1]) >= 30
    page = client.get(path)
    assert page.status_code == 200
    assert (
        "知识产权体检报告" in page.text and "人工智能" in page.text and "出处：杨府发〔2024〕4号" in page.text
    )
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    assert "演示数据" in page.text and "/static/checkup.css" in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert "@media print" in client.get("/static/checkup.css").text


def test_unknown_malformed_and_expired_tokens_are_gone(
    client: TestClient, rasa: ScriptedRasa, store: Store
) -> None:
    assert client.get("/checkup/" + "a" * 32).status_code == 404
    assert client.get("/checkup/..%2Fadmin").status_code == 404
    path = run_checkup(client, rasa)
    old = datetime.now(UTC) - timedelta(days=181)
    with store.engine.begin() as connection:
        connection.execute(update(CheckupReportRow).values(created_at=old))
    gone = client.get(path)
    assert gone.status_code == 404 and "已过保存期限" in gone.text


def test_purge_and_forget_remove_reports(client: TestClient, rasa: ScriptedRasa, store: Store) -> None:
    first = run_checkup(client, rasa, "visitor-2")
    deleted = forget(store, None, "web:visitor-2")
    assert deleted.gateway["checkup_reports"] == 1
    assert client.get(first).status_code == 404
    run_checkup(client, rasa, "visitor-3")
    assert purge(store, None, datetime.now(UTC) + timedelta(seconds=1)).gateway["checkup_reports"] == 1


def test_dashboard_counts_checkups_by_industry_and_need(store: Store) -> None:
    store.add_checkup_report("web:a", REPORT)
    overseas = {"profile": {"industry": [], "plans": ["暂无"], "dispute": ["海外纠纷"]}}
    store.add_checkup_report("web:b", overseas)
    board = dashboard(store, datetime.now(CHINA).date(), 7, {})["checkups"]  # Shanghai days
    assert board["total"] == 2
    assert {"industry": "人工智能", "checkups": 1} in board["by_industry"]
    assert {"industry": "未填", "checkups": 1} in board["by_industry"]
    assert board["by_need"] == [{"need": "融资", "checkups": 1}, {"need": "海外纠纷", "checkups": 1}]
    assert "web:a" not in str(board)


def test_a_checkup_with_nothing_matched_is_counted_without_a_print_link(
    client: TestClient, rasa: ScriptedRasa, store: Store
) -> None:
    empty = {"profile": {"industry": [], "plans": [], "dispute": []}, "sections": []}
    nothing = "根据您的回答，知识库里没有找到对口的政策、风险提示或服务站点。"
    rasa.replies.append([{"recipient_id": "visitor-4", "text": nothing}, {"custom": {"checkup": empty}}])
    body = client.post("/api/chat", json={"sender_id": "visitor-4", "message": "生成报告"}).json()
    [reply] = body["replies"]
    assert reply["text"] == nothing and reply["report_url"] == "" and "/checkup/" not in reply["text"]
    board = dashboard(store, datetime.now(CHINA).date(), 7, {})["checkups"]
    assert board["total"] == 1 and board["by_industry"] == [{"industry": "未填", "checkups": 1}]
