"""The stratified sample of a third-party evaluation, pure: which townships of the county, which villages
of each township, and which households of each village, poor and non-poor in proportion.

Reproducible: one `random.Random(seed)` is consumed in a fixed order (townships, then each chosen
township's villages in code order, then each chosen village's poor and non-poor households), and every
choice is made over rows in code or id order, so the same seed over the same read model draws the same
sample. The seed is recorded with the evaluation, so anyone can redraw and compare.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

# As registered poor for the strata (domain.md §3: registered, returned to poverty, or monitored).
POOR_STATUSES: frozenset[str] = frozenset({"registered", "returned", "monitored"})


@dataclass(frozen=True)
class Household:
    household_id: uuid.UUID
    division: str
    status: str
    member_count: int

    @property
    def stratum(self) -> str:
        return "poor" if self.status in POOR_STATUSES else "non_poor"


def choose(rng: random.Random, codes: Sequence[str], wanted: int) -> list[str]:
    """`wanted` of the codes (all of them when there are fewer), chosen by `rng`, in code order."""
    ordered = sorted(codes)
    if len(ordered) <= wanted:
        return ordered
    return sorted(rng.sample(ordered, wanted))


def allocate(wanted: int, poor: int, non_poor: int) -> tuple[int, int]:
    """How many poor and non-poor households of a village: in proportion to the village's, rounded, each
    stratum that exists getting at least one when two or more are drawn."""
    total = poor + non_poor
    size = min(wanted, total)
    if total == 0:
        return 0, 0
    from_poor = round(size * poor / total)
    if size >= 2 and poor > 0 and non_poor > 0:
        from_poor = min(max(from_poor, 1), size - 1)
    from_poor = min(from_poor, poor)
    from_non_poor = min(size - from_poor, non_poor)
    return from_poor, from_non_poor


def draw_village(rng: random.Random, households: Sequence[Household], wanted: int) -> list[Household]:
    """The village's share of the sample, in id order."""
    ordered = sorted(households, key=lambda household: household.household_id)
    poor = [household for household in ordered if household.stratum == "poor"]
    non_poor = [household for household in ordered if household.stratum == "non_poor"]
    from_poor, from_non_poor = allocate(wanted, len(poor), len(non_poor))
    chosen = rng.sample(poor, from_poor) + rng.sample(non_poor, from_non_poor)
    return sorted(chosen, key=lambda household: household.household_id)
