"""Rasa's SQLite tracker store, turn by turn, with and without the WAL store of service.rasa_entry.

Runs in the Rasa environment: `.venv-rasa/bin/python -m bench.load.tracker_save --turns 200 --repeat 3`.
Each turn loads one of 20 conversations, adds a user message, a reply and action_listen, and saves it;
the two stores alternate, each on its own new file in --dir. Prints the save time (wall) and the CPU
time per turn (load + save) of each run: the wall time is where fsyncs show.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

from bench.stats import percentile


async def turns(store: Any, count: int) -> tuple[list[float], float]:
    """Save wall times in ms and CPU ms per turn of `count` turns over 20 conversations."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    saves: list[float] = []
    started = time.process_time()
    for number in range(count):
        tracker = await store.get_or_create_tracker(f"sender-{number % 20}")
        tracker.update(UserUttered("专利资助怎么申请？", {"name": "ask_question", "confidence": 1.0}))
        tracker.update(BotUttered("好"))
        tracker.update(ActionExecuted("action_listen"))
        before = time.perf_counter()
        await store.save(tracker)
        saves.append((time.perf_counter() - before) * 1000)
    return saves, (time.process_time() - started) * 1000 / count


def main(argv: list[str] | None = None) -> int:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from service import rasa_entry

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("var/tracker-save"), help="emptied of old runs")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    for old in args.dir.glob("*.db*"):
        old.unlink()
    domain = Domain.load("domain.yml")
    original_init = SQLTrackerStore.__init__
    rasa_entry.install_sqlite_wal()
    wal_init = SQLTrackerStore.__init__
    for run in range(args.repeat):
        for name, init in (("rasa", original_init), ("wal", wal_init)):
            SQLTrackerStore.__init__ = init
            store = SQLTrackerStore(domain, db=str(args.dir / f"{name}-{run}.db"))
            saves, cpu_ms = asyncio.run(turns(store, args.turns))
            print(
                f"{name:<4} run {run + 1}: save p50 {percentile(saves, 50):.1f} ms, "
                f"p95 {percentile(saves, 95):.1f} ms; CPU {cpu_ms:.1f} ms per turn (load + save)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
