"""service.rasa_privacy: a cancelled handover's details are scrubbed from Rasa's stored events; a completed
one is left for the gateway to record."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from actions.constants import CONTACT_SLOTS, SLOT_CONSENT, SLOT_CONTACT_COMPANY, SLOT_CONTACT_NAME
from service.rasa_privacy import HIDDEN, MASK, contact_answers, scrub, withdrawn
from tests.service.test_rasa_entry import needs_rasa, run_in_rasa_venv

NAME, COMPANY = "张三丰", "上海某某科技有限公司"


def user(text: str, t: float) -> dict[str, Any]:
    parse = {"text": text, "intent": {"name": "inform", "confidence": 1.0}, "entities": []}
    return {"event": "user", "timestamp": t, "text": text, "parse_data": parse, "metadata": {}}


def bot(text: str, t: float, contact_step: bool = False) -> dict[str, Any]:
    data = {"custom": {"contact_step": True}} if contact_step else {}
    return {"event": "bot", "timestamp": t, "text": text, "data": data}


def slot(name: str, value: Any, t: float) -> dict[str, Any]:
    return {"event": "slot", "timestamp": t, "name": name, "value": value}


BEFORE_CANCEL = [
    user("我想转人工", 1),
    bot("转人工需要记录您的称呼……您同意吗？", 1.1),
    user("同意", 2),
    slot(SLOT_CONSENT, True, 2.1),
    bot("好的。请问怎么称呼您？", 2.2, contact_step=True),
    user(f"我是{NAME}", 3),
    slot(SLOT_CONTACT_NAME, NAME, 3.1),
    bot("请问贵公司（单位）的名称是？", 3.2, contact_step=True),
    user(COMPANY, 4),
    slot(SLOT_CONTACT_COMPANY, COMPANY, 4.1),
    bot("请留一个方便联系的电话（手机号或带区号的座机）。", 4.2, contact_step=True),
]
CANCEL = [
    user("取消", 5),
    slot(SLOT_CONSENT, False, 5.1),
    *[slot(name, None, 5.2) for name in CONTACT_SLOTS],
    bot("好的，已取消转人工，不会生成转人工记录，工作人员也不会联系您。", 5.3),
    slot(SLOT_CONSENT, None, 5.4),
]


def test_a_cancelled_form_is_withdrawn_and_scrubbed() -> None:
    events = BEFORE_CANCEL + CANCEL
    assert not withdrawn(BEFORE_CANCEL) and withdrawn(events)
    assert contact_answers(events) == [5, 8, 11]  # name, company and the cancel itself
    cleaned = scrub(events)
    text = json.dumps(cleaned, ensure_ascii=False)
    assert NAME not in text and COMPANY not in text
    assert [cleaned[i]["text"] for i in (0, 2, 5, 8, 11)] == ["我想转人工", "同意", HIDDEN, HIDDEN, HIDDEN]
    assert cleaned[5]["parse_data"]["text"] == HIDDEN and cleaned[6]["value"] == MASK
    assert len(cleaned) == len(events) and cleaned[3] == events[3]


def test_a_confirmed_handover_is_not_withdrawn() -> None:
    confirmed = [user("确认", 5), bot("已记录您的转人工请求，编号 YP-20261201-K7Q3MX", 5.1)]
    confirmed += [slot(name, None, 5.2) for name in (SLOT_CONSENT, *CONTACT_SLOTS)]
    assert not withdrawn(BEFORE_CANCEL + confirmed)


# Runs inside .venv-rasa: a conversation saved by Rasa's SQL store (patched) turn by turn, then read back.
SAVE_TURNS = """
import asyncio, json, sys
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from service import rasa_entry, rasa_privacy

folder = sys.argv[1]
turns = json.load(open(folder + "/turns.json", encoding="utf-8"))
store_options = json.load(open(folder + "/store.json", encoding="utf-8"))  # SQLTrackerStore's arguments
rasa_entry.install_sqlite_wal()
rasa_privacy.install()
domain = Domain.load("domain.yml")

async def main():
    store = SQLTrackerStore(domain, **store_options)
    for sender, events in turns.items():
        for turn in events:
            tracker = await store.retrieve(sender) or DialogueStateTracker(sender, domain.slots)
            for event in turn:
                tracker.update(Event.from_parameters(event))
            await store.save(tracker)
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT sender_id, data FROM events ORDER BY id")).fetchall()
    stored = {sender: [json.loads(data) for s, data in rows if s == sender] for sender in turns}
    slots = {sender: (await store.retrieve(sender)).current_slot_values() for sender in turns}
    print(json.dumps({"stored": stored, "slots": slots}))

asyncio.run(main())
"""


def turns(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The events cut before each user message: one save per turn, as Rasa saves."""
    cut = [index for index, event in enumerate(events) if event["event"] == "user"] + [len(events)]
    return [events[start:end] for start, end in itertools.pairwise(cut)]


def saved_by_rasa(folder: Path, store_options: dict[str, Any]) -> dict[str, Any]:
    """A cancelled and a confirmed handover saved turn by turn by Rasa's SQL store; what it holds then."""
    confirmed = [user("确认", 5), bot(f"已记录，{NAME}", 5.1)]
    conversations = {"web:cancelled": BEFORE_CANCEL + CANCEL, "web:kept": BEFORE_CANCEL + confirmed}
    (folder / "turns.json").write_text(json.dumps({s: turns(events) for s, events in conversations.items()}))
    (folder / "store.json").write_text(json.dumps(store_options))
    return run_in_rasa_venv(SAVE_TURNS, str(folder))


def assert_scrubbed_after_cancel_only(result: dict[str, Any]) -> None:
    cancelled, kept = result["stored"]["web:cancelled"], result["stored"]["web:kept"]
    assert NAME not in json.dumps(cancelled, ensure_ascii=False)
    assert COMPANY not in json.dumps(cancelled, ensure_ascii=False)
    said = [event["text"] for event in cancelled if event["event"] == "user"]
    assert said == ["我想转人工", "同意", HIDDEN, HIDDEN, HIDDEN]
    assert [result["slots"]["web:cancelled"][name] for name in CONTACT_SLOTS] == [None, None, None]
    assert f"我是{NAME}" in [e["text"] for e in kept if e["event"] == "user"]  # a confirmed handover: kept
    assert len(cancelled) >= len(CANCEL + BEFORE_CANCEL)  # rewritten in place, nothing deleted


@needs_rasa
def test_rasa_scrubs_the_stored_conversation_after_a_cancel(tmp_path: Path) -> None:
    assert_scrubbed_after_cancel_only(saved_by_rasa(tmp_path, {"db": str(tmp_path / "tracker.db")}))
