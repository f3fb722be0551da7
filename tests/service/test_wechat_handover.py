"""查询/取消转人工 over the signed WeChat webhook: only the openid that made a handover sees or cancels it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from actions.reference_number import new_reference
from service.handover.desk import wording
from service.store import Store
from tests.service.test_handover_desk import confirmed
from tests.service.test_wechat_webhook import MakeClient, SlowRasa, content_of, post, store_of, text_xml

pytest_plugins = ["tests.service.test_wechat_webhook"]  # its fixtures: wechat, make_client, fake_api


def referred(client: TestClient, rasa: SlowRasa) -> str:
    reference = new_reference()
    rasa.replies.append(confirmed(reference))
    assert reference in content_of(post(client, text_xml("确认", msg_id=1)))
    return reference


def test_the_openid_that_made_it_queries_and_cancels_it(wechat: tuple[TestClient, SlowRasa]) -> None:
    client, rasa = wechat
    reference = referred(client, rasa)
    status = content_of(post(client, text_xml(f"查询 {reference}", msg_id=2)))
    assert f"转人工 {reference}" in status and "状态：新建" in status
    assert "已取消转人工" in content_of(post(client, text_xml(f"取消转人工 {reference}", msg_id=3)))
    assert "状态：已取消" in content_of(post(client, text_xml(f"查询 {reference}", msg_id=4)))
    assert [sent for _, sent in rasa.sent] == ["确认"]
    store: Store = store_of(client)
    assert [(row.sender_id, row.status) for row in store.referrals()] == [("wechat:oUser1", "cancelled")]
    assert [(t.channel, t.message) for t in store.turns()][1:] == [
        ("wechat", f"查询 {reference}"),
        ("wechat", f"取消转人工 {reference}"),
        ("wechat", f"查询 {reference}"),
    ]


def test_another_openid_and_a_web_visitor_with_that_id_are_not_told_it_exists(
    make_client: MakeClient,
) -> None:
    client, rasa = make_client(wechat_app_secret="")  # passive replies only
    reference = referred(client, rasa)
    not_found = wording()["not_found"].format(reference=reference)
    assert (
        content_of(post(client, text_xml(f"取消转人工 {reference}", msg_id=5, openid="oOther"))) == not_found
    )
    web = client.post("/api/chat", json={"sender_id": "oUser1", "message": f"查询 {reference}"})
    assert web.json()["replies"][0]["text"] == not_found  # "web:oUser1" is not the WeChat user
    assert store_of(client).referrals()[0].status == "new"
    listed = content_of(post(client, text_xml("查询我的转人工", msg_id=6)))
    assert reference in listed and "新建" in listed
