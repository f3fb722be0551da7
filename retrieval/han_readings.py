"""Toneless pinyin readings of every CJK unified ideograph, as a small table file.

The spelling corrector needs the readings of single characters only, but importing pypinyin loads
its whole dictionary (~57 MiB resident) into each process that corrects a query. The table is
written once (`make setup`, or on first use by a child process) and read back as ~21k short lines.

`python -m retrieval.han_readings [--out FILE]` writes it.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

FIRST, LAST = 0x4E00, 0x9FFF  # the characters `readings` answers for
ROOT = Path(__file__).resolve().parents[1]  # where `python -m retrieval.han_readings` finds the package
DEFAULT_TABLE = ROOT / ".cache" / "han-readings.tsv"
VERSION_LINE = "# han-readings 1"  # changes when the format or the source changes

log = logging.getLogger(__name__)


class ReadingsTableError(Exception):
    """The readings table could not be written or read."""


def table_from_pypinyin() -> dict[str, frozenset[str]]:
    """Every character's toneless readings, any reading of a heteronym (pypinyin's NORMAL style; a
    character pypinyin has no reading for reads as itself, as pypinyin returns it)."""
    from pypinyin import Style, pinyin

    return {
        chr(code): frozenset(pinyin(chr(code), style=Style.NORMAL, heteronym=True)[0])
        for code in range(FIRST, LAST + 1)
    }


def write_table(path: Path) -> None:
    """Write the table atomically (a temporary file in the same folder, then a rename)."""
    lines = [VERSION_LINE] + [f"{char}\t{' '.join(sorted(r))}" for char, r in table_from_pypinyin().items()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as error:
        raise ReadingsTableError(f"cannot write {path}: {error}") from error


def read_table(path: Path) -> dict[str, frozenset[str]]:
    """The table in `path`; ReadingsTableError when it is missing, of another version or malformed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ReadingsTableError(f"cannot read {path}: {error}") from error
    if not lines or lines[0] != VERSION_LINE:
        raise ReadingsTableError(f"{path} is not a table of this version ({VERSION_LINE!r})")
    table: dict[str, frozenset[str]] = {}
    for number, line in enumerate(lines[1:], start=2):
        char, _, readings = line.partition("\t")
        if len(char) != 1 or not readings:
            raise ReadingsTableError(f"{path}:{number}: malformed line {line!r}")
        table[char] = frozenset(readings.split(" "))
    return table


@lru_cache(maxsize=1)
def load(path: Path = DEFAULT_TABLE) -> dict[str, frozenset[str]]:
    """The table, written first by a child process when missing (pypinyin never enters this one);
    if that fails, computed here with pypinyin and a warning."""
    try:
        return read_table(path)
    except ReadingsTableError:
        pass
    command = [sys.executable, "-m", "retrieval.han_readings", "--out", str(path)]
    try:
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=120)
        return read_table(path)
    except (OSError, subprocess.SubprocessError, ReadingsTableError) as error:
        log.warning("pinyin readings table unavailable (%s); using pypinyin in this process", error)
        return table_from_pypinyin()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the toneless pinyin readings table.")
    parser.add_argument("--out", type=Path, default=DEFAULT_TABLE, help="table file (%(default)s)")
    args = parser.parse_args(argv)
    try:
        write_table(args.out)
    except ReadingsTableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
