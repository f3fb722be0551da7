"""Static rules over the code: SQL only with bound parameters, no secret literals, no unsafe loaders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("service", "retrieval", "actions")
RULES = {
    "SQL built from a formatted string": re.compile(
        r"\b(execute|exec_driver_sql|text)\(\s*(f[\"']|[\"'][^\"']*[\"']\s*(%|\.format\())", re.IGNORECASE
    ),
    "yaml.load without a safe loader": re.compile(r"yaml\.load\((?!.*Loader=)"),
    "pickle or marshal of untrusted data": re.compile(r"\b(pickle|marshal)\.loads?\("),
    "shell=True": re.compile(r"shell\s*=\s*True"),
    "a hard-coded WeChat secret or key": re.compile(
        r"(app_secret|encoding_aes_key|secret_key)\s*[:=]\s*[\"'][^\"']{8,}"
    ),
    "an XML parser that resolves entities": re.compile(
        r"(xml\.etree\.ElementTree|lxml\.etree|minidom)\.(parse|fromstring)\("
    ),
}


def python_files() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("rule", sorted(RULES))
def test_no_code_breaks_the_rule(rule: str) -> None:
    pattern = RULES[rule]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in python_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, "\n".join(found)


def test_the_rules_catch_what_they_describe() -> None:
    assert RULES["SQL built from a formatted string"].search('connection.execute(text(f"SELECT * FROM {t}"))')
    assert RULES["SQL built from a formatted string"].search(
        "cursor.execute('DELETE FROM x WHERE id=%s' % i)"
    )
    assert not RULES["SQL built from a formatted string"].search(
        'execute(text("SELECT 1 WHERE a = :a"), {"a": 1})'
    )
    assert RULES["yaml.load without a safe loader"].search("yaml.load(stream)")
    assert not RULES["yaml.load without a safe loader"].search("yaml.load(text, Loader=_DataLoader)")
