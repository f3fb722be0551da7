"""Checks on the Rasa training data in bot/: coverage, held-out hygiene, synonyms, entity alignment."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jieba
import pytest
import yaml

from actions.vocabulary import Vocabulary, get_vocabulary
from retrieval.normalize import normalize_text

ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "bot" / "nlu"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"
MIN_EXAMPLES = 20
GENERIC_CHARS = 2  # one-word messages such as 你好 cannot be held out: a greet intent needs them
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\((\w+)\)|\{([^}]*)\})")


def _nlu_items() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for file in sorted(NLU_DIR.glob("*.yml")):
        items.extend(yaml.safe_load(file.read_text(encoding="utf-8")).get("nlu") or [])
    return items


def _examples(block: dict[str, Any]) -> list[str]:
    return [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]


def parse(example: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Plain text and (start, end, entity) spans of an annotated example."""
    text, spans, last = "", [], 0
    for match in _ANNOTATION.finditer(example):
        text += example[last : match.start()]
        entity = match.group(2) or json.loads("{" + match.group(3) + "}")["entity"]
        spans.append((len(text), len(text) + len(match.group(1)), entity))
        text += match.group(1)
        last = match.end()
    return text + example[last:], spans


@pytest.fixture(scope="module")
def intents() -> dict[str, list[str]]:
    return {b["intent"]: _examples(b) for b in _nlu_items() if "intent" in b}


def test_every_domain_intent_has_enough_examples(intents: dict[str, list[str]]) -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for intent in domain["intents"]:
        assert len(intents.get(intent, [])) >= MIN_EXAMPLES, intent


def test_no_example_is_in_two_intents(intents: dict[str, list[str]]) -> None:
    seen: dict[str, str] = {}
    for intent, examples in intents.items():
        for example in examples:
            plain = parse(example)[0]
            assert seen.setdefault(plain, intent) == intent, plain


def test_held_out_questions_are_not_training_examples(intents: dict[str, list[str]]) -> None:
    if not DEV_SET.is_file():
        pytest.skip(f"{DEV_SET} not present")
    key = lambda text: re.sub(r"\W", "", normalize_text(text))  # noqa: E731
    training = {key(parse(e)[0]) for examples in intents.values() for e in examples}
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        for question in [item.get("question"), *item.get("turns", [])]:
            if question and len(key(question)) > GENERIC_CHARS:
                assert key(question) not in training, question


def test_annotations_fall_on_jieba_token_boundaries(intents: dict[str, list[str]]) -> None:
    """Rasa tokenises with the project dictionary; an entity inside a token cannot be learnt."""
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(ROOT / "knowledge" / "userdict.txt"))
    misaligned = []
    for examples in intents.values():
        for example in examples:
            text, spans = parse(example)
            tokens = list(tokenizer.tokenize(text))
            starts, ends = {s for _, s, _ in tokens}, {e for _, _, e in tokens}
            misaligned += [(example, text[s:e]) for s, e, _ in spans if s not in starts or e not in ends]
    assert not misaligned


def test_synonyms_map_to_canonical_values() -> None:
    vocab: Vocabulary = get_vocabulary()
    locations = yaml.safe_load((ROOT / "knowledge" / "locations.yml").read_text(encoding="utf-8"))
    places = {p["name"]: set(p.get("aliases") or []) for p in locations["streets"] + locations["parks"]}
    for block in (b for b in _nlu_items() if "synonym" in b):
        value = str(block["synonym"])
        for example in _examples(block):
            if value in places:
                assert example in places[value], (example, value)
            elif value in vocab.ip_types:
                assert vocab.canonical_ip_type(example) == value, (example, value)
            else:
                assert value in vocab.needs and vocab.canonical_need(example) == value, (example, value)


def test_annotated_entities_are_in_the_domain(intents: dict[str, list[str]]) -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    used = {e for examples in intents.values() for ex in examples for _, _, e in parse(ex)[1]}
    assert used <= set(domain["entities"])


def test_no_domain_button_payload_has_braces() -> None:
    """Rasa reads {…} in a domain response as a slot placeholder: a `/intent{"entity": …}` payload there
    logs a KeyError on every showing. Buttons with entities are sent by actions (actions/data/replies.yml)."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    payloads = [
        str(button.get("payload", ""))
        for variants in domain["responses"].values()
        for variant in variants
        for button in variant.get("buttons") or []
    ]
    assert payloads and [payload for payload in payloads if "{" in payload or "}" in payload] == []
