"""The pinyin readings table gives pypinyin's readings without pypinyin in the serving process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from retrieval import han_readings
from retrieval.han_readings import VERSION_LINE, ReadingsTableError, read_table, write_table

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_load_cache() -> None:
    han_readings.load.cache_clear()


def test_the_written_table_reads_back_as_pypinyin_gives_every_character(tmp_path: Path) -> None:
    path = tmp_path / "readings.tsv"
    write_table(path)
    table = read_table(path)
    assert table == han_readings.table_from_pypinyin()
    assert len(table) == han_readings.LAST - han_readings.FIRST + 1
    assert {"zhong", "chong"} <= table["重"] and table["版"] == frozenset({"ban"})


def test_a_missing_table_is_written_by_a_child_and_pypinyin_stays_out_of_this_process(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "readings.tsv"
    script = (
        "import sys; from pathlib import Path; from retrieval import han_readings\n"
        f"table = han_readings.load(Path({str(path)!r}))\n"
        "print(table['权'], 'pypinyin' in sys.modules)\n"
    )
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["frozenset({'quan'})", "False"]
    assert path.read_text(encoding="utf-8").startswith(VERSION_LINE + "\n")


def test_a_missing_table_is_written_whatever_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)  # the child must still find the retrieval package
    path = tmp_path / "readings.tsv"
    assert han_readings.load(path)["权"] == frozenset({"quan"})
    assert read_table(path)["权"] == frozenset({"quan"})
    assert "readings table unavailable" not in caplog.text


@pytest.mark.parametrize("content", ["", "# han-readings 0\n一\tyi\n", VERSION_LINE + "\n一yi\n"],
                         ids=["empty", "old-version", "malformed"])
def test_a_bad_table_is_refused_by_name_and_written_again_on_load(tmp_path: Path, content: str) -> None:
    path = tmp_path / "readings.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReadingsTableError):
        read_table(path)
    assert han_readings.load(path)["一"] == frozenset({"yi"})
    assert read_table(path)["一"] == frozenset({"yi"})


def test_an_unwritable_place_still_gives_the_readings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    table = han_readings.load(blocked / "readings.tsv")
    assert table["权"] == frozenset({"quan"})
    assert "readings table unavailable" in caplog.text
