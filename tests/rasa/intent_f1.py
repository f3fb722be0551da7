"""Print intent macro-F1 (and per-intent F1) from a `rasa test nlu` report directory.

Usage: python tests/rasa/intent_f1.py results/nlu [--min 0.90]   (standard library only)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

AVERAGES = ("macro avg", "weighted avg", "micro avg")


def read_report(results: Path) -> tuple[dict[str, float], float]:
    """Per-intent F1 and the macro-F1 of a report directory's intent_report.json."""
    report = json.loads((results / "intent_report.json").read_text(encoding="utf-8"))
    per_intent = {
        name: float(scores["f1-score"])
        for name, scores in sorted(report.items())
        if isinstance(scores, dict) and "support" in scores and name not in AVERAGES
    }
    return per_intent, float(report["macro avg"]["f1-score"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="the --out folder of `rasa test nlu`")
    parser.add_argument("--min", type=float, default=0.0, help="exit 1 when macro-F1 is lower")
    args = parser.parse_args()
    per_intent, macro = read_report(args.results)
    for name, f1 in per_intent.items():
        print(f"{name:16s} f1={f1:.3f}")
    print(f"intent macro-F1 = {macro:.4f}")
    return 0 if macro >= args.min else 1


if __name__ == "__main__":
    sys.exit(main())
