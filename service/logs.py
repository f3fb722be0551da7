"""Structured logs: one JSON object a line, carrying the id of the request being served.

The request id comes from the client's `X-Request-ID` when it is a short safe token, else a new one; the
gateway returns it in the response and passes it to Rasa (header and message metadata, which the action
server sees as `tracker.latest_message["metadata"]["request_id"]`). Uvicorn uses this formatter when the
supervisor starts it with `--log-config service/log_config.json`; Rasa (service/rasa_entry.py) and the
action server (service/actions_entry.py) set `request_id_var` from the message metadata and log through
`use_json_logs`. Rasa runs Python 3.10 and imports this module too.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import datetime, timezone

UTC = timezone.utc  # noqa: UP017  (datetime.UTC is Python 3.11; Rasa's venv runs 3.10)
REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
request_id_var: ContextVar[str] = ContextVar("request_id", default="")


def current_request_id() -> str:
    return request_id_var.get()


def accept_request_id(offered: str | None) -> str:
    """The client's id when it is safe to log and forward, else a fresh one."""
    return safe_request_id(offered) or uuid.uuid4().hex


def safe_request_id(value: object) -> str:
    """value when it is a request id safe to log, else ""."""
    return value if isinstance(value, str) and _SAFE_ID.match(value) else ""


def request_id_in(metadata: object) -> str:
    """The request id the gateway put into a message's metadata; "" when there is none."""
    return safe_request_id(metadata.get("request_id")) if isinstance(metadata, dict) else ""


def use_json_logs(level: int | str, loggers: tuple[str, ...] = ()) -> None:
    """The root logger (and `loggers`, which do not propagate) write JSON lines to stderr at `level`;
    Python warnings become log records too."""
    logging.captureWarnings(True)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(level)  # also for records of loggers set lower (jieba logs at DEBUG)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in loggers:
        logging.getLogger(name).handlers = [handler]


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, request_id and (when present) the formatted traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info and record.exc_info[0] is not None:
            entry["traceback"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
