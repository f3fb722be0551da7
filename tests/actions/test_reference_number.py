"""Handover reference numbers: dated, random, unguessable, read back from what a user types."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from actions.reference_number import ALPHABET, find_reference, new_reference

FORMAT = re.compile(r"YP-\d{8}-[2-9A-HJKMNP-Z]{6}")


def test_a_number_is_the_shanghai_date_and_six_random_unambiguous_characters() -> None:
    evening_utc = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)  # already 2 December in Shanghai
    reference = new_reference(evening_utc)
    assert FORMAT.fullmatch(reference) and reference.startswith("YP-20261202-")
    assert not set("01OIL") & set(ALPHABET)


def test_numbers_are_not_a_sequence_and_do_not_repeat() -> None:
    drawn = [new_reference() for _ in range(5000)]
    assert len(set(drawn)) == len(drawn)
    assert all(FORMAT.fullmatch(one) for one in drawn)
    first_chars = {one[-6] for one in drawn}
    assert len(first_chars) == len(ALPHABET)  # every position varies over the whole alphabet


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("查询 YP-20261201-K7Q3MX", "YP-20261201-K7Q3MX"),
        ("取消转人工yp-20261201-k7q3mx", "YP-20261201-K7Q3MX"),
        ("YP20261201K7Q3MX 的进度", "YP-20261201-K7Q3MX"),
        ("编号 YP - 20261201 - K7Q3 呢", "YP-20261201-K7Q3"),  # too short: still a number, not found later
        ("XYP-20261201-K7Q3MX", None),
        ("专利资助怎么申请？", None),
        ("YP-2026121-K7Q3MX", None),
    ],
)
def test_a_number_is_found_in_what_the_user_typed(typed: str, found: str | None) -> None:
    assert find_reference(typed) == found
