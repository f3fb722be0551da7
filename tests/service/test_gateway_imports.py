"""The gateway starts without the libraries only staff tools or the action server use (memory)."""

from __future__ import annotations

import subprocess
import sys

from service.supervisor import ROOT

HEAVY = ("pypinyin", "torch", "sentence_transformers")


def test_starting_the_gateway_loads_no_pinyin_tables_or_models() -> None:
    script = (
        "import sys, service.main; service.main.create_app(); "
        f"print(','.join(name for name in {HEAVY!r} if name in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()
    assert loaded == ""  # pypinyin is ~56 MiB: imported by slugs and spelling only when they run
