"""The evaluation corpus: well formed, big enough, split evenly, asking only facts stated in knowledge/."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from retrieval.knowledge import STATION_TYPES_FILE, load_station_types
from retrieval.normalize import normalize_text

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "eval" / "corpus.jsonl"
KNOWLEDGE = ROOT / "knowledge"

MINIMUM = {
    "fact": 150,
    "route": 60,
    "out_of_scope": 100,
    "chitchat": 8,
    "unknown": 50,
    "multi": 40,
    "handover": 20,
    "persona": 24,
}
REGISTERS = {"formal", "colloquial", "keyword", "typo", "traditional", "english", "context"}
CONVERSATIONAL = {"multi", "handover", "persona"}
CHECK_KEYS = {"expect", "not_expect", "sources", "route", "fallback", "honest"}
STATION_TYPES = {kind.code for kind in load_station_types(KNOWLEDGE / STATION_TYPES_FILE)}
# Plan sections that state a fact an enterprise may ask about (the `from` of fact items: "plan:<section>").
PLAN_SECTIONS = (
    "header", "一", "二", "三(一)", "三(二)", "三(三)", "三(四)",
    "四(一)1", "四(一)2", "四(一)3", "四(一)4", "四(二)5", "四(二)6", "四(二)7",
    "四(三)8", "四(三)9", "四(三)10", "四(四)11", "四(四)12", "四(四)13", "四(四)14",
    "五(一)", "五(二)", "五(三)",
)
# Stations whose only facts are under a parallel fact-check (the centre's name) are not asked about.
STATIONS_NOT_ASKED = {"yp-ip-public-service-center"}
# Facts being re-checked in parallel; an expected string must not depend on them.
UNSETTLED_FACTS = (
    "2009", "3387", "71.83", "全国模范", "2020年10月28日", "自2018", "2018年起", "公共服务中心",
)


def _rows() -> list[dict[str, Any]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


ROWS = _rows()


def _key(text: str) -> str:
    """The evaluator's match key, also in simplified Chinese: NFKC, t2s, lower case, no spaces or commas."""
    return re.sub(r"[\s,，]", "", normalize_text(text))


def _knowledge_text() -> str:
    files = sorted(KNOWLEDGE.glob("*.yml")) + sorted((KNOWLEDGE / "documents").glob("*.md"))
    return _key("\n".join(path.read_text(encoding="utf-8") for path in files))


def _entries() -> set[str]:
    """Every entry fact questions must be written from: rules, FAQ, real stations, plan sections."""
    def load(name: str) -> Any:
        return yaml.safe_load((KNOWLEDGE / name).read_text(encoding="utf-8"))

    entries = {f"rule:{rule['id']}" for rule in load("rules.yml")["rules"]}
    entries |= {f"faq:{faq['id']}" for faq in load("faq.yml")["faq"]}
    entries |= {
        f"station:{station['id']}"
        for station in load("stations.yml")["stations"]
        if not station.get("demo") and station["id"] not in STATIONS_NOT_ASKED
    }
    return entries | {f"plan:{section}" for section in PLAN_SECTIONS}


def _checks(row: dict[str, Any]) -> list[dict[str, Any]]:
    return [check for check in row.get("checks") or [] if check]


def test_every_line_has_the_fields_of_its_kind() -> None:
    for row in ROWS:
        where = row.get("id", row)
        assert row.get("kind") in MINIMUM, where
        assert row.get("split") in {"tune", "test"}, where
        assert row.get("register") in REGISTERS, where
        assert isinstance(row.get("from"), str), where
        if row["kind"] in {"fact", "out_of_scope", "chitchat", "unknown"}:
            assert isinstance(row.get("question"), str) and row["question"].strip(), where
        else:
            turns = row.get("turns")
            assert isinstance(turns, list) and turns, where
            assert all(isinstance(t, str) and t.strip() for t in turns), where
        if row["kind"] == "fact":
            assert row.get("expect") and all(isinstance(e, str) and e for e in row["expect"]), where
        if row["kind"] == "route":
            assert row.get("route"), where
        if row["kind"] in CONVERSATIONAL:
            assert isinstance(row.get("checks"), list), where
        if row["kind"] == "persona":
            assert isinstance(row.get("goal"), str) and row["goal"], where
            assert 3 <= len(row["turns"]) <= 7, where


def test_ids_are_unique() -> None:
    counts = Counter(row["id"] for row in ROWS)
    assert [item for item, n in counts.items() if n > 1] == []


@pytest.mark.parametrize(("kind", "minimum"), sorted(MINIMUM.items()))
def test_each_kind_has_its_minimum_and_an_even_split(kind: str, minimum: int) -> None:
    mine = [row for row in ROWS if row["kind"] == kind]
    assert len(mine) >= minimum
    tune = sum(row["split"] == "tune" for row in mine)
    assert min(tune, len(mine) - tune) >= 0.4 * len(mine), f"{kind}: {tune} tune of {len(mine)}"


def test_the_corpus_has_at_least_400_items() -> None:
    assert len(ROWS) >= 400


def test_conversational_checks_are_as_long_as_the_turns_and_use_known_keys() -> None:
    for row in ROWS:
        if row["kind"] not in CONVERSATIONAL:
            assert "checks" not in row, row["id"]
            continue
        assert len(row["checks"]) == len(row["turns"]), row["id"]
        assert _checks(row), f"{row['id']}: no turn is checked"
        for check in _checks(row):
            assert set(check) <= CHECK_KEYS, f"{row['id']}: {set(check) - CHECK_KEYS}"


def test_route_types_are_station_types() -> None:
    routes = [row["route"] for row in ROWS if row["kind"] == "route"]
    routes += [check["route"] for row in ROWS for check in _checks(row) if "route" in check]
    for route in routes:
        assert set(route.split("|")) <= STATION_TYPES, route


def test_routing_covers_multi_turn_cases_and_places() -> None:
    routes = [row for row in ROWS if row["kind"] == "route"]
    assert sum(len(row["turns"]) > 1 for row in routes) >= 15
    places = yaml.safe_load((KNOWLEDGE / "locations.yml").read_text(encoding="utf-8"))
    entries = [entry for group in ("streets", "parks") for entry in places[group]]
    names = [name for entry in entries for name in [entry["name"], *entry["aliases"]]]
    with_place = [
        row for row in routes if any(name in normalize_text(" ".join(row["turns"])) for name in names)
    ]
    assert len(with_place) >= 25


def test_every_expected_fact_is_stated_in_the_knowledge_files() -> None:
    text = _knowledge_text()
    groups = [(row["id"], group) for row in ROWS if row["kind"] == "fact" for group in row["expect"]]
    missing = [
        (item, group)
        for item, group in groups
        if not any(_key(alternative) in text for alternative in group.split("|"))
    ]
    assert missing == []


def test_expected_facts_do_not_rest_on_facts_being_rechecked() -> None:
    groups = [group for row in ROWS for group in row.get("expect", [])]
    groups += [group for row in ROWS for check in _checks(row) for group in check.get("expect", [])]
    assert [group for group in groups if any(fact in group for fact in UNSETTLED_FACTS)] == []


def test_every_knowledge_entry_is_asked_twice_in_different_registers() -> None:
    registers: dict[str, set[str]] = defaultdict(set)
    asked: Counter[str] = Counter()
    for row in ROWS:
        if row["kind"] == "fact":
            registers[row["from"]].add(row["register"])
            asked[row["from"]] += 1
    entries = _entries()
    short = sorted(entry for entry in entries if asked[entry] < 2 or len(registers[entry]) < 2)
    assert short == []
    unknown = sorted(set(asked) - entries)
    assert unknown == [], "fact items written from no known entry"


def test_from_names_a_known_entry_or_nothing() -> None:
    entries = _entries()
    for row in ROWS:
        assert row["from"] == "" or row["from"] in entries, row["id"]
    assert all(row["from"] == "" for row in ROWS if row["kind"] in {"out_of_scope", "unknown", "chitchat"})
