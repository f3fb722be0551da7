"""Summary statistics shared by the benchmarks and drills."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank p-th percentile (p in 0–100) of values; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(p / 100 * len(ordered))))
    return float(ordered[rank - 1])
