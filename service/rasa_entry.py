"""Rasa's own command line (`rasa run`, …) with six costs of Rasa 3.6 taken out.

Runs in the Rasa environment (Python 3.10): `.venv-rasa/bin/python -m service.rasa_entry run …`.
Nothing in site-packages is edited; each patch wraps Rasa's own method and keeps its results
(tests/service/test_rasa_entry.py compares them with Rasa's):

- `RemoteAction._validate_action_result` calls `jsonschema.validate`, which checks the constant response
  schema against its meta-schema on every action call (about 45% of Rasa's CPU per turn here), and tries
  all 23 branches of the event `oneOf` for every event. `ResponseCheck`, built once, checks each event
  against its own type's branch only; a response it refuses goes to Rasa's original, which gives Rasa's
  verdict and error.
- `SQLTrackerStore` builds ORM queries with a subquery for every read and every save (to count the
  stored events) and adds each new event as an ORM object: SQLAlchemy compiled and hashed the same
  statements again on every turn. service.rasa_event_sql builds them once per store (same rows, order
  and columns).
- `RasaModel.load` (DIET) trains one step on one example to create the weights before loading them:
  about 80% of Rasa's start-up, and the optimizer state and gradient graph stay in memory. Creating
  them with a prediction instead gives the same parses, starts faster and keeps ~500 MiB less resident.

- `SQLTrackerStore` on SQLite opens a connection per read or write (SQLAlchemy 1.4's pool for SQLite files)
  and commits each turn in the rollback-journal mode: fsyncs on every save, during which Rasa's one event
  loop waits (21% of Rasa's samples under load here). A pool that keeps a connection, in WAL mode with
  synchronous=NORMAL, appends a commit to the log without an fsync; the log is synced at checkpoints.
  A killed or crashed process loses nothing committed; a power cut can lose the turns since the last
  checkpoint (SQLite's documented trade-off for WAL + NORMAL), never corrupt the file.

- `Event.resolve_by_type` walks every subclass of `Event` (and checks each for abstract methods) for every
  stored event it turns back into an object: 8% of Rasa's samples in a soak with 60-turn conversations.
  The class found for a type name is remembered; the class hierarchy does not change after import, and
  Rasa's first match stays the first match (classes imported later come after it).

- Every turn rebuilds the tracker from all events of the session, policies featurise all of it, and the
  whole tracker goes to the action server and back: a turn late in a long conversation cost Rasa about
  twice a turn early in it. A session that reached IPGP_SESSION_TURNS user messages (default 10; 0: never)
  continues in a new session before the next message, outside forms only: `action_session_start` is told so
  (`SESSION_CONTINUES` in the session-start metadata) and carries every slot over, so nothing the bot knows
  is lost; no policy or action looks further back than the previous user message. Rasa's SQL tracker store
  loads the latest session only, so the cost per turn stays that of a short conversation.

Two patches are about operations, not cost: every tracker store engine hides statement parameters, so a
failed write never logs the events (names, phone numbers) it carried; and Rasa logs JSON lines (service.logs,
unless IPGP_LOG_FORMAT=text) carrying the request id the gateway put into the message's metadata.

Before Rasa is imported, `import jax` is made to fail: TensorFlow 2.12's TFLite helpers import jax when it
is installed (TensorFlow itself requires it) and fall back cleanly without it; Rasa never
uses it. That keeps ~85 MiB of jaxlib out of Rasa's memory and ~0.4 s of CPU out of its start.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from actions.constants import SESSION_CONTINUES
from service import rasa_event_sql, rasa_privacy

_installed: set[str] = set()
UNUSED_MODULES = ("jax",)
SESSION_TURNS_ENV = "IPGP_SESSION_TURNS"
DEFAULT_SESSION_TURNS = 10


class SessionTurnsError(ValueError):
    """IPGP_SESSION_TURNS is not a whole number >= 0."""


def session_turn_limit() -> int:
    """User messages after which a session continues in a new one (0: never)."""
    raw = os.environ.get(SESSION_TURNS_ENV, "").strip()
    if not raw:
        return DEFAULT_SESSION_TURNS
    if not raw.isdigit():
        raise SessionTurnsError(f"{SESSION_TURNS_ENV} must be a whole number >= 0, not {raw!r}")
    return int(raw)


def is_long_session(tracker: Any, limit: int) -> bool:
    """True when the session holds `limit` user messages and no form is active."""
    from rasa.shared.core.events import UserUttered

    if limit <= 0 or tracker.active_loop_name:
        return False
    return sum(isinstance(event, UserUttered) for event in tracker.applied_events()) >= limit


def block_unused_imports() -> None:
    """Make `import jax` raise ImportError in this process (TensorFlow then leaves it out)."""
    for name in UNUSED_MODULES:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # the import system's "not importable"


def install_prebuilt_validator() -> None:
    """Replace RemoteAction._validate_action_result with validators built once."""
    from rasa.core.actions.action import RemoteAction

    if "validator" in _installed:
        return
    check = ResponseCheck.of(RemoteAction.action_response_format_spec())
    original = RemoteAction._validate_action_result

    def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        if check.accepts(result):
            return True
        return original(self, result)  # raises Rasa's ValidationError with Rasa's message

    RemoteAction._validate_action_result = _validate_action_result
    _installed.add("validator")


class ResponseCheck:
    """Accepts exactly what Rasa's action-response schema accepts, with each event checked against its
    own type's branch only.

    The schema's event is a `oneOf` over 23 branches, one per event type, each fixing `event` to a
    different constant, so an event can only match the branch of its own type: the event is valid when
    the shared properties and that one branch accept it. jsonschema tries all 23 for every event.
    Anything this refuses goes to Rasa's own validation, which gives its verdict and message.
    """

    def __init__(self, outer: Any, by_type: dict[str, Any]) -> None:
        self.outer, self.by_type = outer, by_type

    @classmethod
    def of(cls, schema: dict[str, Any]) -> ResponseCheck:
        from jsonschema.validators import validator_for

        validator_class = validator_for(schema)
        validator_class.check_schema(schema)
        events = schema["properties"]["events"]
        item = events["items"]
        shared = {key: value for key, value in item.items() if key != "oneOf"}
        types = [branch.get("properties", {}).get("event", {}).get("const") for branch in item["oneOf"]]
        if None in types or len(set(types)) != len(types):
            raise ValueError("event branches without one type each: the one-branch check would be unsound")
        by_type = {
            kind: validator_class({**shared, "allOf": [branch]})
            for kind, branch in zip(types, item["oneOf"], strict=True)
        }
        outer = {**schema, "properties": {**schema["properties"], "events": {"type": "array"}}}
        return cls(validator_class(outer), by_type)

    def accepts(self, result: Any) -> bool:
        if not self.outer.is_valid(result):
            return False
        for event in result.get("events") or ():
            validator = self.by_type.get(str(event.get("event"))) if isinstance(event, dict) else None
            if validator is None or not validator.is_valid(event):
                return False
        return True


def install_inference_only_load() -> None:
    """Make RasaModel.load (DIET) build its weights by predicting instead of training one example."""
    from rasa.utils.tensorflow.models import RasaModel

    if "load" in _installed:
        return
    original = RasaModel.load.__func__

    def load(
        cls: Any,
        model_file_name: str,
        model_data_example: Any,
        predict_data_example: Any = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if finetune_mode or predict_data_example is None or kwargs.get("config", {}).get("run_eagerly"):
            return original(
                cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
            )
        model = cls(*args, **kwargs)
        model.run_inference(predict_data_example)  # creates the variables a prediction uses
        model.load_weights(model_file_name).expect_partial()  # the optimizer's state is not needed
        # label embeddings again, from the loaded weights; the traced step captured the old ones
        model.prepared_for_prediction = False
        model._tf_predict_step = None
        model.run_inference(predict_data_example)
        return model

    RasaModel.load = classmethod(load)
    _installed.add("load")


def install_sqlite_wal() -> None:
    """Serve the SQLite tracker store from kept connections in WAL mode (PostgreSQL is left as it is)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from sqlalchemy.orm import sessionmaker

    if "sqlite_wal" in _installed:
        return
    original = SQLTrackerStore.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self.engine.dispose()
            self.engine = _wal_engine(url)
            self.sessionmaker = sessionmaker(bind=self.engine)

    SQLTrackerStore.__init__ = __init__
    _installed.add("sqlite_wal")


def _wal_engine(url: Any) -> Any:
    """An engine whose pool keeps one connection open (SQLAlchemy 1.4 closes each SQLite connection after
    use, and the last connection to close checkpoints and syncs the log), each with the WAL pragmas."""
    import sqlalchemy as sa

    engine = sa.create_engine(
        url,
        poolclass=sa.pool.QueuePool,
        pool_size=1,
        max_overflow=8,
        connect_args={"check_same_thread": False},  # the pool hands a connection to one user at a time
        hide_parameters=True,  # a failed statement never shows the events it carried (names, phones)
    )
    sa.event.listen(engine, "connect", _wal_pragmas)
    return engine


def _wal_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # stored in the file; later connections find it set
    cursor.execute("PRAGMA synchronous=NORMAL")  # per connection
    cursor.close()


def install_hidden_parameters() -> None:
    """Make every SQLTrackerStore engine (PostgreSQL in scale-out too) keep values out of its errors and logs.

    A failed INSERT of an event would otherwise print the event's JSON: names and phone numbers typed into
    the handover form. Rasa builds its engine in __init__, so the flag is set on the engine it built.
    """
    from rasa.core.tracker_store import SQLTrackerStore

    if "hidden_parameters" in _installed:
        return
    original = SQLTrackerStore.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.engine.hide_parameters = True  # read by SQLAlchemy 1.4 when it logs or wraps an error

    SQLTrackerStore.__init__ = __init__
    _installed.add("hidden_parameters")


def install_request_id_logs(json_lines: bool) -> None:
    """Handle each message with its metadata's request id set for logging; with json_lines, Rasa's
    coloured log set-up (called by its CLI after the logging options) installs JSON lines instead."""
    import rasa.utils.io
    from rasa.core.processor import MessageProcessor

    from service.logs import request_id_in, request_id_var, use_json_logs

    if "request_id" in _installed:
        return
    handle = MessageProcessor.handle_message

    async def handle_message(self: Any, message: Any) -> Any:
        token = request_id_var.set(request_id_in(message.metadata))
        try:
            return await handle(self, message)
        finally:
            request_id_var.reset(token)

    def configure_json_logging(loglevel: Any) -> None:
        use_json_logs(loglevel or os.environ.get("LOG_LEVEL", "INFO"))

    MessageProcessor.handle_message = handle_message
    if json_lines:
        rasa.utils.io.configure_colored_logging = configure_json_logging
    _installed.add("request_id")


def install_session_continuation(limit: int) -> None:
    """Start a new session (carrying every slot) when the current one is long; see the module docstring."""
    from rasa.core.processor import MessageProcessor

    if "session_continuation" in _installed or limit <= 0:
        return
    expired = MessageProcessor._has_session_expired
    update = MessageProcessor._update_tracker_session

    def _has_session_expired(self: Any, tracker: Any) -> bool:
        return bool(expired(self, tracker)) or is_long_session(tracker, limit)

    async def _update_tracker_session(
        self: Any, tracker: Any, output_channel: Any, metadata: dict[str, Any] | None = None
    ) -> None:
        if is_long_session(tracker, limit) and not expired(self, tracker):
            metadata = {**(metadata or {}), SESSION_CONTINUES: True}
        await update(self, tracker, output_channel, metadata)

    MessageProcessor._has_session_expired = _has_session_expired
    MessageProcessor._update_tracker_session = _update_tracker_session
    _installed.add("session_continuation")


def install_event_class_cache() -> None:
    """Remember which Event class each stored type name resolves to (a found class only)."""
    from rasa.shared.core.events import Event

    if "event_classes" in _installed:
        return
    original = Event.resolve_by_type
    found: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        if type_name in found:
            return found[type_name]
        resolved = original(type_name, default)
        if resolved is not None and resolved is not default:
            found[type_name] = resolved
        return resolved

    Event.resolve_by_type = staticmethod(resolve_by_type)
    _installed.add("event_classes")


def main() -> None:
    block_unused_imports()
    from rasa.__main__ import main as rasa_main

    install_prebuilt_validator()
    rasa_event_sql.install()  # before rasa_privacy, which wraps the save it installs
    install_inference_only_load()
    install_sqlite_wal()
    install_hidden_parameters()
    install_request_id_logs(os.environ.get("IPGP_LOG_FORMAT", "json") != "text")
    rasa_privacy.install()  # a withdrawn handover's details are scrubbed from the tracker store
    install_event_class_cache()
    install_session_continuation(session_turn_limit())
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
