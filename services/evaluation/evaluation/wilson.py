"""The Wilson score interval of a binomial proportion, pure (no I/O).

For k successes in n trials, z the normal quantile of the confidence level (1.96 for 95%):

    p̂ = k / n
    centre = (p̂ + z² / 2n) / (1 + z² / n)
    half   = z / (1 + z² / n) · √(p̂(1 − p̂) / n + z² / 4n²)
    interval = [centre − half, centre + half]

Chosen over the normal (Wald) interval because the rates a third-party evaluation reports sit near 0
(错退率, 漏评率 under 2%) or near 1 (认可度 over 90%), where Wald's interval collapses to a point at k = 0 or
k = n and runs outside [0, 1]; Wilson's stays within [0, 1] and is wide when the sample is small. People are
counted as the trials of the people-based rates, though they are drawn by household (a cluster): the
interval is then narrower than a design-based one would be, which the report should say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def interval(successes: int, trials: int, z: float = Z_95) -> Interval | None:
    """The interval of successes/trials; None for no trials (the rate is undefined)."""
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 ≤ successes ≤ trials, got {successes}/{trials}")
    if trials == 0:
        return None
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return Interval(max(0.0, centre - half), min(1.0, centre + half))
