"""The stratified sample of a third-party evaluation, pure: which townships of the county, which villages
of each township, and which households of each village, poor and non-poor in proportion (`proportional`,
the default) or split 5:3:2 for the satisfaction survey (`satisfaction_532`, domain.md §7).

The 5:3:2 split: of a village's `households_per_village`, 50 % households registered as poor now
(registered, returned, monitored), 30 % exited households and 20 % households never registered, by the
largest remainder (ties to the earlier stratum in that order). A stratum with fewer households than its
share gives its shortfall to the others in the order poor → exited → non-poor: each in turn takes what it
can of the shortfall until none is left or the village runs out of households.

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
EXITED_STATUS = "exited"
PROPORTIONAL = "proportional"
SATISFACTION_532 = "satisfaction_532"
# The satisfaction sample's strata in the order they are drawn and take a shortfall, with their shares.
SPLIT_532: tuple[tuple[str, int], ...] = (("poor", 5), ("exited", 3), ("non_poor", 2))


@dataclass(frozen=True)
class Household:
    household_id: uuid.UUID
    division: str
    status: str
    member_count: int

    @property
    def stratum(self) -> str:
        return "poor" if self.status in POOR_STATUSES else "non_poor"

    def stratum_under(self, allocation: str) -> str:
        """Its stratum in a sample drawn by `allocation`: the 5:3:2 split tells exited households apart."""
        if allocation == SATISFACTION_532 and self.status == EXITED_STATUS:
            return "exited"
        return self.stratum


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


def shares_532(wanted: int) -> list[int]:
    """5:3:2 of `wanted` by the largest remainder, in SPLIT_532's order (ties to the earlier stratum)."""
    weight = sum(share for _, share in SPLIT_532)
    exact = [(wanted * share, weight) for _, share in SPLIT_532]
    counts = [numerator // denominator for numerator, denominator in exact]
    by_remainder = sorted(range(len(exact)), key=lambda index: -(exact[index][0] % weight))
    for index in by_remainder[: wanted - sum(counts)]:
        counts[index] += 1
    return counts


def allocate_532(wanted: int, available: Sequence[int]) -> list[int]:
    """How many of each SPLIT_532 stratum: its share, at most what the village has; the shortfall goes to
    the strata in SPLIT_532's order, each taking what it still has."""
    counts = [min(share, have) for share, have in zip(shares_532(wanted), available, strict=True)]
    shortfall = min(wanted, sum(available)) - sum(counts)
    for index, have in enumerate(available):
        extra = min(shortfall, have - counts[index])
        counts[index] += extra
        shortfall -= extra
    return counts


def _by_stratum(households: Sequence[Household], allocation: str) -> dict[str, list[Household]]:
    ordered = sorted(households, key=lambda household: household.household_id)
    strata = [name for name, _ in SPLIT_532] if allocation == SATISFACTION_532 else ["poor", "non_poor"]
    return {name: [h for h in ordered if h.stratum_under(allocation) == name] for name in strata}


def draw_village(
    rng: random.Random, households: Sequence[Household], wanted: int, allocation: str = PROPORTIONAL
) -> list[Household]:
    """The village's share of the sample, in id order: each stratum's households drawn in turn (poor,
    then exited for the 5:3:2 split, then non-poor) from the one generator."""
    strata = _by_stratum(households, allocation)
    if allocation == SATISFACTION_532:
        counts = allocate_532(wanted, [len(members) for members in strata.values()])
    else:
        counts = list(allocate(wanted, len(strata["poor"]), len(strata["non_poor"])))
    chosen: list[Household] = []
    for members, count in zip(strata.values(), counts, strict=True):
        chosen += rng.sample(members, count)
    return sorted(chosen, key=lambda household: household.household_id)
