"""A handover's number: stored uniquely, looked up and cancelled in chat by the sender who made it only."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from actions.reference_number import new_reference
from service.handover.command import HandoverCommand, read_command
from service.handover.desk import wording
from service.schemas import Referral
from service.store import CONTACT_HIDDEN, ReferralRow, Store
from tests.service.conftest import ScriptedRasa

PERSON = {"name": "张三", "company": "某科技公司", "phone": "13800138000", "station_type": "service_center"}


def confirmed(reference: str) -> list[dict[str, Any]]:
    """What the action sends: the confirmation naming the number, and the referral carrying it."""
    text = f"已记录您的转人工请求，编号 {reference}（查询或取消时要用，请保存）。"
    return [{"text": text, "custom": {"referral": {**PERSON, "reference": reference}}}]


def say(client: TestClient, sender: str, message: str) -> str:
    response = client.post("/api/chat", json={"sender_id": sender, "message": message})
    assert response.status_code == 200, response.text
    return "\n".join(reply["text"] for reply in response.json()["replies"])


@pytest.fixture
def referred(client: TestClient, rasa: ScriptedRasa) -> str:
    """Sender u1 has completed a handover; returns its number."""
    reference = new_reference()
    rasa.replies.append(confirmed(reference))
    assert reference in say(client, "u1", "确认")
    return reference


@pytest.mark.parametrize(
    ("message", "command"),
    [
        ("查询 YP-20261201-K7Q3MX", HandoverCommand("query", "YP-20261201-K7Q3MX")),
        (
            "ＹＰ－２０２６１２０１－Ｋ７Ｑ３ＭＸ",
            HandoverCommand("query", "YP-20261201-K7Q3MX"),
        ),  # full width
        ("取消转人工 yp-20261201-k7q3mx", HandoverCommand("cancel", "YP-20261201-K7Q3MX")),
        ("查询我的转人工", HandoverCommand("list")),
        ("我的转人工进度？", HandoverCommand("list")),
        ("查一下转人工状态", HandoverCommand("list")),
        ("转人工", None),  # starts a handover: the bot's
        ("取消", None),  # stops the handover form: the bot's
        ("取消转人工", None),
        ("怎么查询专利转让进度", None),
    ],
)
def test_commands_are_read_only_from_a_number_or_a_plain_query(
    message: str, command: HandoverCommand | None
) -> None:
    assert read_command(message) == command


def test_the_confirmation_number_is_stored_and_shows_its_status_in_chinese(
    client: TestClient, rasa: ScriptedRasa, store: Store, referred: str
) -> None:
    [row] = store.referrals()
    assert (row.reference, row.sender_id, row.status) == (referred, "web:u1", "new")
    answer = say(client, "u1", f"查询 {referred.lower()}")
    assert f"转人工 {referred}" in answer and "状态：新建" in answer and f"取消转人工 {referred}" in answer
    assert [sent for _, sent in rasa.sent] == ["确认"]  # answered by the gateway, never sent to Rasa
    assert [turn.message for turn in store.turns()][-1] == f"查询 {referred.lower()}"  # logged like a turn
    assert f"转人工 {referred}" in (store.turns()[-1].answer or "")


def test_another_sender_gets_the_same_answer_as_a_wrong_number(
    client: TestClient, store: Store, referred: str
) -> None:
    made_up = "YP-20261201-ZZZZZZ"
    not_found = wording()["not_found"]
    assert say(client, "u2", f"查询 {referred}") == not_found.format(reference=referred)
    assert say(client, "u1", f"查询 {made_up}") == not_found.format(reference=made_up)
    assert say(client, "u2", f"取消转人工 {referred}") == not_found.format(reference=referred)
    assert store.referrals()[0].status == "new"  # nobody else can cancel it


def test_the_sender_cancels_and_the_referral_stays_for_staff(
    client: TestClient, store: Store, referred: str
) -> None:
    assert "已取消转人工" in say(client, "u1", f"取消转人工 {referred}")
    [row] = store.referrals()
    assert row.status == "cancelled" and row.name == "张三"  # kept until the retention period ends
    [event] = row.history or []
    assert (event["by"], event["from"], event["to"]) == ("用户", "new", "cancelled")
    assert "状态：已取消" in say(client, "u1", f"查询 {referred}")
    assert "已经取消" in say(client, "u1", f"取消 {referred}")
    assert len(store.referrals()[0].history or []) == 1


def test_a_closed_referral_cannot_be_cancelled(client: TestClient, store: Store, referred: str) -> None:
    with store.engine.begin() as connection:
        connection.execute(ReferralRow.__table__.update().values(status="closed"))
    assert "已结案，无法取消" in say(client, "u1", f"取消转人工 {referred}")
    assert store.referrals()[0].status == "closed"


def test_asking_without_a_number_explains_and_lists_the_senders_own(
    client: TestClient, rasa: ScriptedRasa, referred: str
) -> None:
    other = new_reference()
    rasa.replies.append(confirmed(other))
    say(client, "u3", "确认")
    mine = say(client, "u1", "查询我的转人工")
    assert "查询 编号" in mine and referred in mine and "新建" in mine and other not in mine
    assert "没有找到您提交的转人工" in say(client, "u4", "查询我的转人工")


def test_a_query_inside_the_form_keeps_the_next_contact_answer_out_of_the_log(
    client: TestClient, rasa: ScriptedRasa, store: Store
) -> None:
    rasa.replies.append([{"text": "请问怎么称呼您？", "custom": {"contact_step": True}}])
    say(client, "u5", "同意")
    say(client, "u5", "查询我的转人工")
    say(client, "u5", "李四")
    assert [turn.message for turn in store.turns()] == ["同意", CONTACT_HIDDEN, CONTACT_HIDDEN]


# ---- unique numbers ----------------------------------------------------------------------------------


def test_the_database_refuses_a_second_referral_with_the_same_number(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'gateway.db'}")
    store.add_referral("web:a", Referral(**PERSON, reference="YP-20261201-AAAAAA"))
    same = {**PERSON, "reference": "YP-20261201-AAAAAA", "sender_id": "web:b"}
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(ReferralRow.__table__.insert().values(**same))


def test_a_number_already_taken_is_stored_under_a_new_one_and_the_user_told_that_one(
    client: TestClient, rasa: ScriptedRasa, store: Store
) -> None:
    taken = "YP-20261201-AAAAAA"
    store.add_referral("web:other", Referral(**PERSON, reference=taken))
    rasa.replies.append(confirmed(taken))
    told = say(client, "u6", "确认")
    [stored] = [row.reference for row in store.referrals() if row.sender_id == "web:u6"]
    assert stored and stored != taken and stored in told and taken not in told
    assert "状态：新建" in say(client, "u6", f"查询 {stored}")


def test_an_older_database_gets_the_number_column_and_its_unique_index(tmp_path: Path) -> None:
    path = tmp_path / "gateway.db"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE referrals (id INTEGER PRIMARY KEY, sender_id VARCHAR(80), name VARCHAR(64), "
            "company VARCHAR(128), phone VARCHAR(32), station_id VARCHAR(64), station_type VARCHAR(32), "
            "question TEXT, status VARCHAR(16), created_at DATETIME)"
        )
        old.execute(
            "INSERT INTO referrals (sender_id, name, company, phone, station_id, station_type, question, "
            "status, created_at) VALUES ('web:a', '甲', '乙', '1', '', '', '', 'new', '2026-11-01')"
        )
    store = Store(f"sqlite:///{path}")
    assert store.referrals()[0].reference is None  # made before numbers: staff still see it by its id
    store.add_referral("web:b", Referral(**PERSON, reference="YP-20261201-BBBBBB"))
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(ReferralRow.__table__.update().values(reference="YP-20261201-BBBBBB"))
