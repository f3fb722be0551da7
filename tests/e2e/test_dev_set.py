"""The issue's dialogue checks on the shared dev set, through POST /api/chat on the running bot."""

from __future__ import annotations

import httpx
import pytest

from bench.evaluate import http_post, load_items, run_item, summarise
from service.supervisor import ROOT
from tests.e2e.conftest import RunningBot

pytestmark = pytest.mark.e2e
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def test_dev_set_meets_every_goal(running_bot: RunningBot) -> None:
    if not DEV_SET.is_file():
        pytest.fail(f"{DEV_SET} is missing: the shared material sits beside the repository")
    items = load_items(DEV_SET)
    with httpx.Client(timeout=30.0) as client:
        verdicts = [run_item(http_post(client, running_bot.url), item) for item in items]
    failures = [f"{v.item.id}: {v.why}" for v in verdicts if not v.passed]
    summary = summarise(verdicts)
    assert set(summary) == {"fact", "route", "out_of_scope", "chitchat"}
    assert all(numbers["met"] for numbers in summary.values()), failures
