"""The NLU cross-validation gate: reports read, the mean over seeded runs compared with the minimum."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "rasa"))
import intent_f1
import nlu_cv


def write_report(folder: Path, macro: float, challenge: float) -> Path:
    folder.mkdir(parents=True)
    report = {
        "bot_challenge": {"f1-score": challenge, "support": 10},
        "greet": {"f1-score": 1.0, "support": 10},
        "macro avg": {"f1-score": macro, "support": 20},
        "weighted avg": {"f1-score": macro, "support": 20},
        "accuracy": 0.95,
    }
    (folder / "intent_report.json").write_text(json.dumps(report), encoding="utf-8")
    return folder


def test_a_report_gives_each_intents_f1_and_the_macro_f1(tmp_path: Path) -> None:
    per_intent, macro = intent_f1.read_report(write_report(tmp_path / "r", 0.93, 0.86))
    assert per_intent == {"bot_challenge": 0.86, "greet": 1.0}
    assert macro == 0.93


@pytest.mark.parametrize(("macros", "passed"), [((0.92, 0.95), True), ((0.92, 0.93), False)])
def test_the_gate_is_the_mean_over_the_seeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, macros: tuple[float, float], passed: bool
) -> None:
    def fake_run(seed: int, args: Any) -> Path:
        return write_report(tmp_path / f"seed-{seed}", macros[seed - 1], 0.9)

    monkeypatch.setattr(nlu_cv, "run_seed", fake_run)
    monkeypatch.setattr(sys, "argv", ["nlu_cv.py", "--seeds", "1", "2", "--min", "0.93"])
    assert (nlu_cv.main() == 0) is passed



def test_rasa_runs_with_fixed_hashing_and_deterministic_kernels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def fake_subprocess_run(command: list[str], check: bool, env: dict[str, str]) -> None:
        seen.update(command=command, env=env)

    monkeypatch.setattr(nlu_cv.subprocess, "run", fake_subprocess_run)
    monkeypatch.setenv("PYTHONHASHSEED", "random")
    monkeypatch.setenv("IPGP_MODEL_DIR", "/models/e5")
    args = nlu_cv.argparse.Namespace(config=Path("config.yml"), nlu=Path("bot"), folds=3, out=tmp_path)
    assert nlu_cv.run_seed(7, args) == tmp_path / "seed-7"
    assert seen["env"]["PYTHONHASHSEED"] == nlu_cv.PYTHONHASHSEED != "random"
    assert seen["env"]["IPGP_MODEL_DIR"] == "/models/e5"
    script, seed = seen["command"][2], seen["command"][3]
    assert "tf.config.experimental.enable_op_determinism()" in script
    assert seed == "7"
