"""The action server (rasa_sdk) in one process: `python -m service.actions_entry --actions actions --port P`.

rasa_sdk 3.21 always starts Sanic's worker manager: the main process imports the actions (~170 MiB
resident), spawns a multiprocessing resource tracker and a state process (~30 MiB) and then one worker
that imports everything again and serves. Sanic's single-process mode serves from the process that
imported the actions, with rasa_sdk's own app (`create_app_for_serve`: routes, tracer, plugins).
With `--warm-up`, the embedding model and the knowledge base load on a background thread at start,
so the first question does not wait for them (the health check answers at once).

Logs are JSON lines (service.logs) unless IPGP_LOG_FORMAT=text; while an action runs they carry the request
id the gateway put into the user message's metadata, so one id follows a turn through all three processes.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
from typing import Any

from rasa_sdk import utils
from rasa_sdk.constants import DEFAULT_ENDPOINTS_PATH, DEFAULT_KEEP_ALIVE_TIMEOUT
from rasa_sdk.endpoint import create_app_for_serve, create_argument_parser
from rasa_sdk.executor import ActionExecutor, ActionExecutorRunResult
from sanic import Sanic

from service.logs import request_id_in, request_id_var, use_json_logs

log = logging.getLogger(__name__)
SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access")  # they do not propagate to the root


class RequestIdExecutor(ActionExecutor):
    """Runs each action with the request id of the message it answers set for logging."""

    async def run(
        self, action_call: dict[str, Any], *args: Any, **kwargs: Any
    ) -> ActionExecutorRunResult | None:
        latest = (action_call.get("tracker") or {}).get("latest_message") or {}
        token = request_id_var.set(request_id_in(latest.get("metadata")))
        try:
            return await super().run(action_call, *args, **kwargs)
        finally:
            request_id_var.reset(token)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = create_argument_parser()  # rasa_sdk's own options (--actions, --port, --cors, logging)
    parser.add_argument("--warm-up", action="store_true", help="load the actions' resources at start")
    return parser.parse_args(argv)


def build_app(
    actions: str, cors: list[str] | str | None = "*", endpoints: str = DEFAULT_ENDPOINTS_PATH
) -> Sanic:
    """rasa_sdk's Sanic app with the actions of the package `actions` registered."""
    executor = RequestIdExecutor()
    executor.register_package(actions)
    return create_app_for_serve(
        executor,
        cors_origins=cors,
        endpoints=endpoints,
        keep_alive_timeout=DEFAULT_KEEP_ALIVE_TIMEOUT,
    )


def warm_up_in_background() -> threading.Thread:
    """Load the searcher and the knowledge base on a daemon thread (actions.resources.warm_up)."""
    from actions.resources import warm_up

    thread = threading.Thread(target=warm_up, name="actions-warm-up", daemon=True)
    thread.start()
    return thread


def configure_logging(level: int) -> None:
    """JSON lines with the request id; rasa_sdk's coloured text with IPGP_LOG_FORMAT=text."""
    utils.update_sanic_log_level()
    if os.environ.get("IPGP_LOG_FORMAT", "json") == "text":
        utils.configure_colored_logging(level)
    else:
        use_json_logs(level, SANIC_LOGGERS)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    configure_logging(args.loglevel)
    app = build_app(args.actions_module or args.actions or "actions", args.cors, args.endpoints)
    if args.warm_up:
        warm_up_in_background()
    host = os.environ.get("SANIC_HOST", "0.0.0.0")
    log.info("action server (one process) on http://%s:%d", host, args.port)
    app.prepare(host=host, port=args.port, single_process=True, motd=False)
    Sanic.serve_single(primary=app)


if __name__ == "__main__":
    main()
