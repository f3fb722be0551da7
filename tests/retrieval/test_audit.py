"""python -m retrieval audit: counts by status and age, overdue entries, an exit code for CI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from retrieval.audit import audit, knowledge_records, summarize
from retrieval.cli import AUDIT_OVERDUE, main
from retrieval.knowledge import load_knowledge
from retrieval.settings import get_settings


@pytest.fixture
def knowledge_env(knowledge_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("IPGP_KNOWLEDGE_DIR", str(knowledge_dir))
    get_settings.cache_clear()
    yield knowledge_dir
    get_settings.cache_clear()


def test_counts_by_status_age_and_reason(knowledge_dir: Path) -> None:
    rows = audit(knowledge_records(load_knowledge(knowledge_dir)), date(2024, 12, 1), 12)
    by_id = {row.entry.id: row for row in rows}
    assert set(by_id) == {
        "demo-plan",
        "demo-2021-patent-grant",
        "demo-pledge-subsidy",
        "demo-hotline",
        "demo-transfer-center",
        "demo-tm-station",
    }
    assert not by_id["demo-plan"].overdue and by_id["demo-plan"].age_band == "1年内"
    assert by_id["demo-2021-patent-grant"].age_band == "2-3年"  # 2022-03-03
    assert by_id["demo-tm-station"].as_dict()["reasons"] == ["unknown_status", "undated"]
    counts = summarize(rows)
    assert counts["total"] == 6
    assert counts["by_status"] == {"current": 4, "historical": 1, "unknown": 1}
    assert counts["overdue"] == 4  # 2022 rule, 2018 FAQ, 2021 station, demo station
    assert counts["by_age"]["未注明日期"] == 1
    assert rows[0].overdue and not rows[-1].overdue  # overdue first


def test_the_command_prints_the_report(knowledge_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--today", "2024-12-01"]) == 0
    out = capsys.readouterr().out
    assert "共6条，需复核4条" in out
    assert "按状态：现行 4，历史 1，状态未知 1" in out
    assert "demo-hotline" in out and "来源超过时限" in out
    assert "demo-plan" not in out  # only overdue entries unless --all
    assert main(["audit", "--today", "2024-12-01", "--all"]) == 0
    assert "demo-plan" in capsys.readouterr().out


def test_strict_exit_code_and_json(knowledge_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--today", "2024-12-01", "--strict", "--json"]) == AUDIT_OVERDUE
    report = json.loads(capsys.readouterr().out)
    assert report["max_age_months"] == 12 and report["summary"]["overdue"] == 4
    assert {e["id"] for e in report["entries"]} == {
        "demo-2021-patent-grant",
        "demo-hotline",
        "demo-transfer-center",
        "demo-tm-station",
    }
    # a longer limit leaves only the entry whose status is unknown
    assert main(["audit", "--today", "2024-12-01", "--months", "120", "--strict", "--json"]) == 2
    assert [e["id"] for e in json.loads(capsys.readouterr().out)["entries"]] == ["demo-tm-station"]


def test_the_limit_comes_from_the_settings(
    knowledge_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IPGP_FRESHNESS_MONTHS", "36")
    get_settings.cache_clear()
    main(["audit", "--today", "2024-12-01", "--json"])
    assert json.loads(capsys.readouterr().out)["max_age_months"] == 36


def test_invalid_knowledge_exits_1(knowledge_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    faq = knowledge_env / "faq.yml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("    status: current\n", ""), encoding="utf-8")
    assert main(["audit"]) == 1
    err = capsys.readouterr().err
    assert "faq.yml" in err and "demo-hotline" in err and "status" in err
