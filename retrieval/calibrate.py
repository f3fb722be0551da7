"""`python -m retrieval calibrate CORPUS`: fit the answer model on the tune half and report both halves.

Positives are fact questions whose expected facts are in the top hits; negatives are out-of-scope
questions and IP questions the knowledge base does not answer (`unknown`). The `closest` threshold
keeps out-of-scope acceptance within MAX_OOS; the `certain` threshold keeps out-of-scope and
unknown questions within MAX_CERTAIN_FALSE.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.calibration import AnswerModel, features, fit, pick_threshold
from retrieval.evaluation import read_jsonl, text_matches
from retrieval.hits import Hit, Signals

MAX_OOS = 0.10
MAX_CERTAIN_FALSE = 0.03
TOP_HITS = 3
KINDS = ("fact", "out_of_scope", "unknown")


@dataclass(frozen=True)
class Example:
    id: str
    kind: str
    split: str
    row: list[float]
    label: int  # 1: a passage in the top hits answers it


Retrieve = Callable[[str], tuple[list[Hit], Signals]]


def examples(rows: Sequence[dict[str, Any]], retrieve: Retrieve) -> list[Example]:
    """Signals and labels for every fact, out-of-scope and unknown question of the corpus."""
    out = []
    for raw in rows:
        if raw.get("kind") not in KINDS or not raw.get("question"):
            continue
        hits, signals = retrieve(str(raw["question"]))
        found = raw["kind"] == "fact" and any(text_matches(h.text, raw["expect"]) for h in hits[:TOP_HITS])
        split = str(raw.get("split", ""))
        out.append(Example(str(raw["id"]), raw["kind"], split, features(signals), int(found)))
    return out


def calibrate(train: Sequence[Example]) -> AnswerModel:
    """Fit on `train` and pick both thresholds on its precision/recall curve."""
    mean, scale, weights, bias = fit([e.row for e in train], [e.label for e in train])
    draft = AnswerModel(mean, scale, weights, bias, certain=1.0, closest=1.0)
    p = {e.id: draft.probability_of(e.row) for e in train}
    positives = [p[e.id] for e in train if e.label]
    oos = [p[e.id] for e in train if e.kind == "out_of_scope"]
    negatives = [p[e.id] for e in train if e.kind in ("out_of_scope", "unknown")]
    closest = pick_threshold(positives, oos, MAX_OOS)
    certain = max(pick_threshold(positives, negatives, MAX_CERTAIN_FALSE), closest)
    return AnswerModel(mean, scale, weights, bias, certain=certain, closest=closest)


def report(model: AnswerModel, items: Sequence[Example]) -> list[str]:
    """Per kind: how many land in each tier (facts: only those retrieval can answer count as found)."""
    lines = []
    for kind in KINDS:
        group = [e for e in items if e.kind == kind]
        if not group:
            continue
        tiers = {"certain": 0, "closest": 0, "none": 0}
        for e in group:
            p = model.probability_of(e.row)
            tiers["certain" if p >= model.certain else "closest" if p >= model.closest else "none"] += 1
        found = sum(e.label for e in group) if kind == "fact" else None
        extra = f", retrieval finds the fact for {found}" if found is not None else ""
        lines.append(
            f"  {kind:13} n={len(group):3}  certain {tiers['certain']:3}  closest {tiers['closest']:3}"
            f"  none {tiers['none']:3}{extra}"
        )
    return lines


def run(corpus: Path, out: Path, retrieve: Retrieve) -> list[str]:
    """Fit on the tune half, write the model, and return the report lines for both halves."""
    items = examples(read_jsonl(corpus), retrieve)
    tune = [e for e in items if e.split == "tune"]
    if not any(e.label for e in tune) or not any(not e.label for e in tune):
        raise ValueError(f"{corpus}: the tune half needs answerable and unanswerable questions")
    model = calibrate(tune)
    out.parent.mkdir(parents=True, exist_ok=True)
    note = {"fit_on": f"{corpus.name} tune half, {len(tune)} questions"}
    out.write_text(model.to_json(note), encoding="utf-8")
    lines = [f"thresholds: certain ≥ {model.certain:.3f}, closest ≥ {model.closest:.3f}; written to {out}"]
    for half in ("tune", "test"):
        lines.append(f"{half} half:")
        lines += report(model, [e for e in items if e.split == half])
    return lines
