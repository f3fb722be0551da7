"""service.rasa_entry: each patch gives Rasa's own results (checked in the Rasa venv, before and after)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from service.supervisor import ROOT

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
RASA_MODEL = ROOT / "models" / "ipgp.tar.gz"

needs_rasa = pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs .venv-rasa (make setup)")

# Runs inside .venv-rasa: each payload through Rasa's original method and through the patched one.
COMPARE_VERDICTS = """
import json, sys
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from service import rasa_entry

def verdict(method, payload):
    try:
        return ["valid", method(RemoteAction("action_x", None), payload)]
    except ValidationError as error:
        return ["invalid", error.message]

payloads = json.loads(sys.argv[1])
original = RemoteAction._validate_action_result
before = [verdict(original, p) for p in payloads]
rasa_entry.install_prebuilt_validator()
assert RemoteAction._validate_action_result is not original
after = [verdict(RemoteAction._validate_action_result, p) for p in payloads]
check = rasa_entry.ResponseCheck.of(RemoteAction.action_response_format_spec())
print(json.dumps({"before": before, "after": after, "fast": [check.accepts(p) for p in payloads]}))
"""

PAYLOADS = [
    {},
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "last_question", "value": "专利"},
            {"event": "action", "name": "action_listen"},
        ],
        "responses": [{"text": "您好", "buttons": [{"title": "是", "payload": "/affirm"}]}],
    },
    {"events": [{"event": "followup", "name": "action_respond"}], "responses": [{"custom": {"a": 1}}]},
    [],
    "text",
    {"events": "not a list"},
    {"events": [{"name": "missing event key"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot"}]},
    {"responses": [1, 2]},
    {"responses": {"text": "not a list"}},
    {"events": [{"event": "user", "parse_data": {"intent": {"name": "x", "confidence": "高"}}}]},
    {"events": [{"event": "slot", "name": "s", "value": 1, "timestamp": "today"}]},
    {"events": [{"event": "entities", "entities": "none"}]},
    {"events": [{"event": "action", "name": 3}]},
    {"events": [None]},
]
# Valid responses with events of many types (each must pass both validators).
VALID_EVENTS = [
    {"event": "user", "text": "专利", "parse_data": {"intent": {"name": "x", "confidence": 0.9}}},
    {"event": "bot", "text": "好", "data": {"custom": {"reply": {}}}},
    {"event": "slot", "name": "s", "value": None, "timestamp": None},
    {"event": "entities", "entities": [{"entity": "district", "value": "杨浦", "start": 0, "end": 2}]},
    {"event": "action", "name": "action_listen", "policy": None, "confidence": None},
    {"event": "active_loop", "name": "handover_form"},
    {"event": "session_started", "metadata": None},
    {"event": "reset_slots"},
    {"event": "followup", "name": "action_respond"},
]
PAYLOADS.insert(0, {"events": VALID_EVENTS, "responses": [{"text": "好"}]})


# A conversation of two sessions for the tracker-store scripts below.
TWO_SESSIONS = """
import asyncio, json, os, sqlite3, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from service import rasa_entry

domain = Domain.load("domain.yml")
slot = domain.slots[0].name

def turn(text, t):
    return [UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=t),
            SlotSet(slot, None, timestamp=t + 0.1), BotUttered("好", timestamp=t + 0.2),
            ActionExecuted("action_listen", timestamp=t + 0.3)]

def session(t):
    return [ActionExecuted("action_session_start", timestamp=t), SessionStarted(timestamp=t + 0.1),
            ActionExecuted("action_listen", timestamp=t + 0.2)]

events = [*session(1), *turn("你好", 2), *turn("专利", 3), *session(10), *turn("版权", 11)]
"""

# Runs inside .venv-rasa: the conversation saved turn by turn and read back by Rasa's store, then by the
# prebuilt statements, each on its own file; every stored row (all columns) and every read compared.
COMPARE_TRACKERS = (
    TWO_SESSIONS
    + """
async def views(store):
    latest = await store.retrieve("s1")
    full = await store.retrieve_full_tracker("s1")
    with store.session_scope() as db:
        unsaved = len(list(store._additional_events(db, latest)))
    return [latest.current_state(EventVerbosity.ALL), full.current_state(EventVerbosity.ALL), unsaved,
            await store.retrieve("nobody")]

async def run(path):
    store = SQLTrackerStore(domain, db=path)
    await store.save(DialogueStateTracker.from_events("s1", events[:3], domain.slots))
    done = 3
    for cut in (7, 11, 14, len(events)):  # a turn at a time, across the second session's start
        tracker = await store.retrieve("s1")  # the latest session, as Rasa's processor reads it
        for event in events[done:cut]:
            tracker.update(event)
        done = cut
        await store.save(tracker)
        if cut != 14:  # a tracker that crossed a session start is saved once (Rasa re-counts from it)
            await store.save(tracker)  # nothing new: nothing written
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT * FROM events ORDER BY id").fetchall()
    return {"views": await views(store), "rows": rows}

async def main():
    before = await run(sys.argv[1] + "/rasa.db")
    rasa_entry.rasa_event_sql.install()
    print(json.dumps({"before": before, "after": await run(sys.argv[1] + "/prebuilt.db")}))

asyncio.run(main())
"""
)

# Runs inside .venv-rasa: the conversation saved by Rasa's store and by the WAL store, and each file's mode.
COMPARE_WAL = (
    TWO_SESSIONS
    + """
def mode(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA journal_mode").fetchone()[0]

async def main():
    folder = sys.argv[1]
    plain = SQLTrackerStore(domain, db=f"{folder}/plain.db")
    rasa_entry.install_sqlite_wal()
    wal = SQLTrackerStore(domain, db=f"{folder}/wal.db")
    views = []
    for store in (plain, wal):
        await store.save(DialogueStateTracker.from_events("s1", events[:10], domain.slots))
        tracker = await store.retrieve_full_tracker("s1")
        for event in events[10:]:
            tracker.update(event)
        await store.save(tracker)
        views.append((await store.retrieve_full_tracker("s1")).current_state(EventVerbosity.ALL))
    with wal.engine.connect() as connection:
        synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    print(json.dumps({"same": views[0] == views[1], "events": len(views[1]["events"]),
                      "modes": [mode(f"{folder}/plain.db"), mode(f"{folder}/wal.db")],
                      "synchronous": synchronous, "log_kept_open": os.path.exists(f"{folder}/wal.db-wal")}))

asyncio.run(main())
"""
)


# Runs inside .venv-rasa: a failing INSERT through the WAL store's engine and through Rasa's own engine
# (an in-memory SQLite store stands for PostgreSQL: neither gets the WAL engine).
FAILING_INSERTS = """
import json, sys
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from service import rasa_entry

rasa_entry.install_sqlite_wal()
rasa_entry.install_hidden_parameters()
domain = Domain.load("domain.yml")
found = []
for store in (SQLTrackerStore(domain, db=sys.argv[1] + "/wal.db"), SQLTrackerStore(domain, db=":memory:")):
    row = {"id": 1, "sender_id": "web:u", "type_name": "user", "data": '{"text": "王五 13912345678"}'}
    try:
        with store.engine.begin() as connection:
            insert = ("INSERT INTO events (id, sender_id, type_name, data) "
                      "VALUES (:id, :sender_id, :type_name, :data)")
            connection.execute(sa.text(insert), [row, row])
        found.append([store.engine.hide_parameters, "no error"])
    except sa.exc.IntegrityError as error:
        found.append([store.engine.hide_parameters, str(error)])
print(json.dumps({"found": found}))
"""


# Runs inside .venv-rasa: Rasa's CLI log set-up, then a message handled (Rasa's handling replaced by a stub
# that logs, so no model is needed) with the gateway's metadata.
REQUEST_ID_LOGS = """
import asyncio, logging, sys
import rasa.utils.io
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from service import rasa_entry

async def handling(self, message):
    logging.getLogger("rasa.core.processor").warning("handling")
    return []

MessageProcessor.handle_message = handling
rasa_entry.install_request_id_logs(sys.argv[1] == "json")
rasa.utils.io.configure_colored_logging(None)
message = UserMessage("你好", metadata={"request_id": "req-12345678"})
asyncio.run(MessageProcessor.handle_message(None, message))
logging.getLogger("rasa.core.run").warning("after the message")
"""


# Runs inside .venv-rasa: the trained model parses NLU examples after a normal load and after the patched one.
COMPARE_PARSES = """
import asyncio, glob, json, re, sys
import yaml
from rasa.core.agent import Agent
from service import rasa_entry

examples = []
for path in sorted(glob.glob("bot/nlu/*.yml")):
    for item in (yaml.safe_load(open(path, encoding="utf-8")) or {}).get("nlu", []):
        for line in str(item.get("examples", "")).splitlines():
            text = re.sub(r"\\[([^\\]]*)\\][({][^)}]*[)}]", r"\\1", line.strip().lstrip("- "))
            if text:
                examples.append(text)
messages = examples[::4] + ["asdfgh", "What is a patent?", "12345", "我们在五角场，想申请商标，有补贴吗？"]

async def parses():
    agent = Agent.load(sys.argv[1])
    found = []
    for message in messages:
        result = await agent.parse_message(message)
        ranking = {i["name"]: i["confidence"] for i in result["intent_ranking"]}
        found.append([message, ranking, [(e["entity"], e["value"], e["start"]) for e in result["entities"]]])
    return found

before = asyncio.run(parses())
rasa_entry.install_inference_only_load()
print(json.dumps({"before": before, "after": asyncio.run(parses())}, ensure_ascii=False))
"""


# Runs inside .venv-rasa: every event type name (and unknown ones) resolved by Rasa, then twice by the cache.
COMPARE_EVENT_CLASSES = """
import json
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses
from service import rasa_entry

names = sorted({cls.type_name for cls in all_subclasses(Event)}) + ["topic", "no_such_event", "unknown"]

def resolve(name):
    try:
        found = Event.resolve_by_type(name, default=Event if name == "no_such_event" else None)
    except ValueError as error:
        return ["error", str(error)]
    return found.__name__ if found else None

before = [resolve(name) for name in names]
rasa_entry.install_event_class_cache()
print(json.dumps({"names": len(names), "before": before, "after": [resolve(name) for name in names * 2]}))
"""


# Runs inside .venv-rasa: which jax helper TensorFlow's TFLite module got, with or without the block.
TFLITE_JAX = """
import json, sys
from service import rasa_entry
if sys.argv[1] == "block":
    rasa_entry.block_unused_imports()
import tensorflow as tf
from tensorflow.lite.python import util
print(json.dumps({"jax": util._xla_computation is not None, "jaxlib": "jaxlib" in sys.modules,
                  "sum": float(tf.reduce_sum(tf.constant([1.5, 2.5])))}))
"""


def rasa_process(code: str, argument: str) -> subprocess.CompletedProcess[str]:
    """code run by the Rasa venv's Python from the repository root; its output captured."""
    return subprocess.run(
        [str(RASA_PYTHON), "-c", code, argument],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def run_in_rasa_venv(code: str, argument: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(rasa_process(code, argument).stdout.strip().splitlines()[-1])
    return result


@needs_rasa
def test_prebuilt_validator_gives_rasas_verdicts_and_messages() -> None:
    result = run_in_rasa_venv(COMPARE_VERDICTS, json.dumps(PAYLOADS))
    assert result["after"] == result["before"]
    assert [kind for kind, _ in result["before"]] == ["valid"] * 5 + ["invalid"] * (len(PAYLOADS) - 5)
    # every valid response is accepted without jsonschema trying all 23 event branches
    assert result["fast"] == [kind == "valid" for kind, _ in result["before"]]


@needs_rasa
def test_prebuilt_event_statements_store_and_read_what_rasa_does(tmp_path: Path) -> None:
    result = run_in_rasa_venv(COMPARE_TRACKERS, str(tmp_path))
    assert result["after"] == result["before"]
    latest, full, unsaved, missing = result["before"]["views"]
    assert len(latest["events"]) == 6 and len(full["events"]) == 18  # latest session only; all sessions
    assert unsaved == 0 and missing is None
    rows = result["before"]["rows"]
    assert len(rows) == 18 and [row[0] for row in rows] == list(range(1, 19))  # saved once, in order
    assert rows[3][2:5] == ["user", 2.0, "greet"] and rows[-1][5] == "action_listen"


@needs_rasa
def test_wal_tracker_store_keeps_the_same_conversation_without_a_sync_per_turn(tmp_path: Path) -> None:
    result = run_in_rasa_venv(COMPARE_WAL, str(tmp_path))
    assert result["same"] and result["events"] >= 18  # both sessions of the conversation, in both stores
    assert result["modes"] == ["delete", "wal"]
    assert result["synchronous"] == 1  # NORMAL: the log is synced at checkpoints, not at every commit
    assert result["log_kept_open"]  # a kept connection: no checkpoint and sync when a turn's session ends


@needs_rasa
def test_tracker_store_errors_never_carry_the_values(tmp_path: Path) -> None:
    found = run_in_rasa_venv(FAILING_INSERTS, str(tmp_path))["found"]
    assert [hidden for hidden, _ in found] == [True, True]
    for _, message in found:
        assert "UNIQUE constraint failed" in message
        assert "13912345678" not in message and "王五" not in message


@needs_rasa
@pytest.mark.parametrize("log_format", ["json", "text"])
def test_rasa_logs_json_lines_with_the_request_id_of_the_message(log_format: str) -> None:
    stderr = rasa_process(REQUEST_ID_LOGS, log_format).stderr
    lines = [line for line in stderr.splitlines() if "handling" in line or "after the message" in line]
    if log_format == "text":  # Rasa's own coloured lines
        assert len(lines) == 2 and not lines[0].startswith("{")
        return
    during, after = (json.loads(line) for line in lines)
    assert (during["logger"], during["message"], during["request_id"]) == (
        "rasa.core.processor",
        "handling",
        "req-12345678",
    )
    assert after["message"] == "after the message" and "request_id" not in after


@needs_rasa
@pytest.mark.skipif(not RASA_MODEL.exists(), reason="needs the trained Rasa model (make setup)")
def test_inference_only_load_parses_exactly_as_rasas_load() -> None:
    result = run_in_rasa_venv(COMPARE_PARSES, str(RASA_MODEL))
    assert len(result["before"]) > 50
    pairs = zip(result["before"], result["after"], strict=True)
    for (message, before, entities), (message_after, after, entities_after) in pairs:
        assert (message_after, entities_after) == (message, entities)
        # Two loads differ in float rounding only: the same intents above 0.001 in the same order, and each
        # confidence within 1e-5 (an exact comparison of rounded values flipped at a rounding boundary).
        assert _ranked(after) == _ranked(before), message
        for name in before.keys() | after.keys():
            assert abs(before.get(name, 0.0) - after.get(name, 0.0)) < 1e-5, (message, name)
    assert any(entities for _, _, entities in result["before"])


def _ranked(confidences: dict[str, float]) -> list[str]:
    above = [name for name, value in confidences.items() if value > 1e-3]
    return sorted(above, key=lambda name: -confidences[name])


@needs_rasa
def test_blocking_jax_keeps_it_out_of_tensorflow() -> None:
    assert run_in_rasa_venv(TFLITE_JAX, "no-block") == {"jax": True, "jaxlib": True, "sum": 4.0}
    assert run_in_rasa_venv(TFLITE_JAX, "block") == {"jax": False, "jaxlib": False, "sum": 4.0}


@needs_rasa
def test_event_class_cache_resolves_every_type_name_as_rasa() -> None:
    result = run_in_rasa_venv(COMPARE_EVENT_CLASSES, "")
    assert result["names"] > 20
    assert result["after"] == result["before"] * 2
    # old "topic" events; the default for an unknown name; Rasa's error without a default
    assert result["before"][-3:] == [None, "Event", ["error", "Unknown event name 'unknown'."]]


@pytest.mark.parametrize(("raw", "limit"), [("", 10), ("0", 0), ("3", 3), (" 25 ", 25)])
def test_session_turn_limit_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str, limit: int
) -> None:
    from service import rasa_entry

    monkeypatch.setenv("IPGP_SESSION_TURNS", raw)
    assert rasa_entry.session_turn_limit() == limit


@pytest.mark.parametrize("raw", ["-1", "ten", "2.5"])
def test_a_bad_session_turn_limit_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    from service import rasa_entry

    monkeypatch.setenv("IPGP_SESSION_TURNS", raw)
    with pytest.raises(rasa_entry.SessionTurnsError, match="IPGP_SESSION_TURNS"):
        rasa_entry.session_turn_limit()
