"""Structured logs: one JSON object a line, carrying the id of the request being served.

The request id comes from the client's `X-Request-ID` when it is a short safe token, else a new one; the
gateway returns it in the response and passes it to Rasa (header and message metadata, which the action
server sees as `tracker.latest_message["metadata"]["request_id"]`). Uvicorn uses this formatter when the
supervisor starts it with `--log-config service/log_config.json`.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
request_id_var: ContextVar[str] = ContextVar("request_id", default="")


def current_request_id() -> str:
    return request_id_var.get()


def accept_request_id(offered: str | None) -> str:
    """The client's id when it is safe to log and forward, else a fresh one."""
    if offered and _SAFE_ID.match(offered):
        return offered
    return uuid.uuid4().hex


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
