"""The one percentile every benchmark and drill reports: nearest rank, on 0–100."""

from __future__ import annotations

import math

import pytest

from bench.stats import percentile


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([5.0, 1.0, 3.0, 2.0, 4.0], 50, 3.0),
        ([float(n) for n in range(1, 101)], 50, 50.0),
        ([float(n) for n in range(1, 101)], 95, 95.0),
        ([float(n) for n in range(1, 101)], 99, 99.0),
        ([float(n) for n in range(1, 101)], 100, 100.0),
        ([7.0], 95, 7.0),
        ([3.0, 1.0, 2.0], 0, 1.0),
        ([10.0, 20.0], 50, 10.0),
        ([10.0, 20.0], 51, 20.0),
    ],
)
def test_percentile_is_the_nearest_rank(values: list[float], p: float, expected: float) -> None:
    assert percentile(values, p) == expected


def test_percentile_is_a_value_that_was_measured() -> None:
    values = [1.0, 2.0, 10.0, 11.0]
    assert percentile(values, 75) in values


def test_percentile_of_nothing_is_nan() -> None:
    assert math.isnan(percentile([], 95))


def test_percentile_leaves_its_input_unsorted() -> None:
    values = [3.0, 1.0, 2.0]
    percentile(values, 50)
    assert values == [3.0, 1.0, 2.0]
