"""POST /api/chat: contract, validation in Chinese, Rasa outages, what gets stored."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.errors import RASA_DOWN_DETAIL
from service.store import Store
from tests.service.conftest import ScriptedRasa

SOURCE = {
    "title": "杨浦区试点工作方案",
    "number": "杨府发〔2024〕4号",
    "section": "四、（二）6.",
    "snippet": "贴息",
}
STATION = {"type": "trademark_station", "name": "商标品牌指导站（演示）", "demo": True}
PARTS = {"body": "可享受贷款利率50%的贴息。", "sources": [SOURCE], "stations": [STATION], "tier": "certain"}


def test_text_buttons_and_custom_payloads_become_one_reply(client: TestClient, rasa: ScriptedRasa) -> None:
    rasa.replies.append(
        [
            {
                "recipient_id": "u1",
                "text": "可享受贷款利率50%的贴息。",
                "buttons": [{"title": "怎么申请", "payload": "/ask"}],
            },
            {"recipient_id": "u1", "custom": {"reply": PARTS, "fallback": False}},
        ]
    )
    response = client.post("/api/chat", json={"sender_id": "u1", "message": "质押贷款有贴息吗"})
    assert response.status_code == 200
    body = response.json()
    assert len(body.pop("turn_id")) == 32  # the server's id of the turn, for feedback
    station_line = "1. 商标品牌指导站（演示）【演示数据】（暂无公开联系方式）"
    citation = "杨浦区试点工作方案，杨府发〔2024〕4号，四、（二）6.，现行状态未注明"
    assert body == {
        "sender_id": "u1",
        "replies": [
            {
                "text": f"可享受贷款利率50%的贴息。\n{station_line}\n来源：{citation}",
                "lead": "",
                "body": "可享受贷款利率50%的贴息。",
                "notes": [],
                "buttons": [{"title": "怎么申请", "payload": "/ask"}],
                "citation_label": "来源：",
                "citations": [{"text": citation, "url": ""}],
                "sources": [SOURCE],
                "stations": [STATION],
                "tier": "certain",
                "related": [],
                "checkup": None,
                "report_url": "",
            }
        ],
        "fallback": False,
    }
    assert rasa.sent == [("web:u1", "质押贷款有贴息吗")]


def test_fallback_flag_is_reported_and_logged(client: TestClient, rasa: ScriptedRasa, store: Store) -> None:
    rasa.replies.append([{"text": "抱歉，知识库中没有找到答案。"}, {"custom": {"fallback": True}}])
    body = client.post("/api/chat", json={"sender_id": "u2", "message": "今天天气怎么样"}).json()
    assert body["fallback"] is True
    assert [(t.message, t.fallback) for t in store.turns(fallback_only=True)] == [("今天天气怎么样", True)]


def test_referral_is_stored_but_never_sent_back(client: TestClient, rasa: ScriptedRasa, store: Store) -> None:
    referral = {
        "name": "张三",
        "company": "某科技公司",
        "phone": "13800138000",
        "station_type": "service_center",
    }
    rasa.replies.append([{"text": "已为您登记，工作人员会尽快联系您。"}, {"custom": {"referral": referral}}])
    response = client.post("/api/chat", json={"sender_id": "u3", "message": "13800138000"})
    assert "13800138000" not in response.text.replace('"message"', "")
    assert "张三" not in response.text
    [row] = store.referrals()
    assert (row.name, row.phone, row.sender_id, row.status) == ("张三", "13800138000", "web:u3", "new")
    assert [turn.message for turn in store.turns()] == ["***"]  # the turn log keeps no phone number


def test_turn_log_masks_phone_numbers(client: TestClient, rasa: ScriptedRasa, store: Store) -> None:
    rasa.replies.append([{"text": "好的"}])
    client.post("/api/chat", json={"sender_id": "u5", "message": "算了不登记了，我电话是021-65432100"})
    [turn] = store.turns()
    assert "65432100" not in turn.message and turn.message.startswith("算了不登记了")


def test_message_is_trimmed(client: TestClient, rasa: ScriptedRasa) -> None:
    client.post("/api/chat", json={"sender_id": "u4", "message": "  你好 \n"})
    assert rasa.sent == [("web:u4", "你好")]


def test_invalid_input_gets_422_in_chinese_and_reaches_nobody(client: TestClient, rasa: ScriptedRasa) -> None:
    cases = [
        ({"sender_id": "", "message": "你好"}, "会话标识"),
        ({"sender_id": "x" * 65, "message": "你好"}, "过长"),
        ({"sender_id": "u", "message": "好" * 1001}, "过长"),
        ({"sender_id": "u", "message": "   "}, "不能为空"),
        ({"sender_id": "u"}, "缺少字段"),
        ({"sender_id": "u", "message": 5}, "字符串"),
    ]
    for payload, words in cases:
        response = client.post("/api/chat", json=payload)
        assert response.status_code == 422, payload
        assert words in response.json()["detail"], (payload, response.json())
    not_json = client.post("/api/chat", content=b"{oops", headers={"content-type": "application/json"})
    assert not_json.status_code == 422
    assert "JSON" in not_json.json()["detail"]
    assert rasa.sent == []


def test_rasa_down_gives_503_with_a_chinese_apology(client: TestClient, rasa: ScriptedRasa) -> None:
    rasa.down = True
    response = client.post("/api/chat", json={"sender_id": "u5", "message": "你好"})
    assert response.status_code == 503
    assert response.json() == {"detail": RASA_DOWN_DETAIL}
    assert "Traceback" not in response.text


def test_healthz_reports_each_part(client: TestClient, rasa: ScriptedRasa) -> None:
    response = client.get("/healthz")
    body = response.json()
    # action server on port 1 is unreachable and no index was built in tmp_path
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["rasa"] is True
    assert body["action_server"] is False
    assert body["index"]["ready"] is False


def test_an_empty_rasa_answer_is_an_apology_not_silence(client: TestClient, rasa: ScriptedRasa) -> None:
    rasa.replies.append([])
    response = client.post("/api/chat", json={"sender_id": "u6", "message": "你好"})
    assert response.status_code == 503
    assert response.json() == {"detail": RASA_DOWN_DETAIL}


def test_edge_inputs_get_chinese_4xx_and_reach_nobody(client: TestClient, rasa: ScriptedRasa) -> None:
    deep = b'{"sender_id": "u", "message": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = client.post("/api/chat", content=deep, headers={"content-type": "application/json"})
    assert (response.status_code, response.json()["detail"]) == (400, "请求格式不正确")
    for sender in ("u:", "a\x00b", "a\nb", "用户"):
        refused = client.post("/api/chat", json={"sender_id": sender, "message": "你好"})
        assert refused.status_code == 422 and "只能包含字母" in refused.json()["detail"], sender
    invisible = client.post("/api/chat", json={"sender_id": "u", "message": "\u200b\u200d\ufeff"})
    assert invisible.status_code == 422 and "不能为空" in invisible.json()["detail"]
    for control in ("你好\x00", "专利\x1b[31m", "商标\x07"):
        refused = client.post("/api/chat", json={"sender_id": "u", "message": control})
        assert refused.status_code == 422 and "控制字符" in refused.json()["detail"], control
    nested = b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    for path in ("/api/chat", "/api/feedback", "/admin/api/login"):
        for body in (b'{"x":"\xff"}', nested):  # invalid UTF-8; nested 5,000 deep
            response = client.post(path, content=body, headers={"content-type": "application/json"})
            answer = (response.status_code, response.json()["detail"])
            assert answer == (400, "请求格式不正确"), (path, body[:9])
        malformed = client.post(path, content=b"{oops", headers={"content-type": "application/json"})
        assert (malformed.status_code, malformed.json()["detail"]) == (422, "请求体必须是JSON对象")
    assert client.get("/no-such-page").json() == {"detail": "找不到该地址"}
    wrong_method = client.get("/api/chat")
    assert (wrong_method.status_code, wrong_method.json()) == (405, {"detail": "不支持该请求方法"})
    assert rasa.sent == []


def test_traditional_chinese_reaches_rasa_as_simplified(client: TestClient, rasa: ScriptedRasa) -> None:
    response = client.post("/api/chat", json={"sender_id": "u-trad", "message": "謝謝你，版權登記去哪裏"})
    assert response.status_code == 200
    assert rasa.sent[-1][1] == "谢谢你，版权登记去哪里"
