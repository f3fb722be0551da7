"""The action server (rasa_sdk) in one process: `python -m service.actions_entry --actions actions --port P`.

rasa_sdk 3.21 always starts Sanic's worker manager: the main process imports the actions (~170 MiB
resident), spawns a multiprocessing resource tracker and a state process (~30 MiB) and then one worker
that imports everything again and serves. Sanic's single-process mode serves from the process that
imported the actions, with rasa_sdk's own app (`create_app_for_serve`: routes, tracer, plugins).
With `--warm-up`, the embedding model and the knowledge base load on a background thread at start,
so the first question does not wait for them (the health check answers at once).
"""

from __future__ import annotations

import argparse
import logging
import os
import threading

from rasa_sdk import utils
from rasa_sdk.constants import DEFAULT_ENDPOINTS_PATH, DEFAULT_KEEP_ALIVE_TIMEOUT
from rasa_sdk.endpoint import create_app_for_serve, create_argument_parser
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

log = logging.getLogger(__name__)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = create_argument_parser()  # rasa_sdk's own options (--actions, --port, --cors, logging)
    parser.add_argument("--warm-up", action="store_true", help="load the actions' resources at start")
    return parser.parse_args(argv)


def build_app(
    actions: str, cors: list[str] | str | None = "*", endpoints: str = DEFAULT_ENDPOINTS_PATH
) -> Sanic:
    """rasa_sdk's Sanic app with the actions of the package `actions` registered."""
    executor = ActionExecutor()
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


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    utils.configure_colored_logging(args.loglevel)
    utils.update_sanic_log_level()
    app = build_app(args.actions_module or args.actions or "actions", args.cors, args.endpoints)
    if args.warm_up:
        warm_up_in_background()
    host = os.environ.get("SANIC_HOST", "0.0.0.0")
    log.info("action server (one process) on http://%s:%d", host, args.port)
    app.prepare(host=host, port=args.port, single_process=True, motd=False)
    Sanic.serve_single(primary=app)


if __name__ == "__main__":
    main()
