"""The satisfaction sample's 5:3:2 split (domain.md §7), pure: the largest remainder, a short stratum's
shortfall passed on poor → exited → non-poor, and the same seed drawing the same households."""

from __future__ import annotations

import random
import uuid

import pytest

from evaluation import sampling


@pytest.mark.parametrize(
    ("wanted", "shares"),
    [(10, [5, 3, 2]), (7, [4, 2, 1]), (3, [1, 1, 1]), (1, [1, 0, 0]), (4, [2, 1, 1]), (11, [6, 3, 2])],
)
def test_the_split_is_five_three_two_by_largest_remainder(wanted: int, shares: list[int]) -> None:
    assert sampling.shares_532(wanted) == shares
    assert sum(shares) == wanted


@pytest.mark.parametrize(
    ("available", "counts"),
    [
        # Enough of every stratum: 5:3:2.
        ([20, 20, 20], [5, 3, 2]),
        # One exited household: its 2 missing go to the poor first.
        ([20, 1, 20], [7, 1, 2]),
        # Few poor: the shortfall goes to the exited, then to the non-poor.
        ([1, 4, 20], [1, 4, 5]),
        # No exited and few poor: the non-poor take what is left.
        ([2, 0, 20], [2, 0, 8]),
        # Fewer households than wanted: all of them.
        ([2, 1, 3], [2, 1, 3]),
    ],
)
def test_a_short_stratum_gives_its_shortfall_poor_then_exited_then_non_poor(
    available: list[int], counts: list[int]
) -> None:
    assert sampling.allocate_532(10, available) == counts


def _village(poor: int, exited: int, non_poor: int) -> list[sampling.Household]:
    statuses = ["registered"] * poor + ["exited"] * exited + ["candidate"] * non_poor
    return [sampling.Household(uuid.uuid4(), "520102001001", status, 3) for status in statuses]


def test_the_same_seed_draws_the_same_split_sample() -> None:
    village = _village(8, 6, 12)
    first = sampling.draw_village(random.Random(5), village, 10, sampling.SATISFACTION_532)
    again = sampling.draw_village(random.Random(5), list(reversed(village)), 10, sampling.SATISFACTION_532)
    assert first == again
    strata = [household.stratum_under(sampling.SATISFACTION_532) for household in first]
    assert (strata.count("poor"), strata.count("exited"), strata.count("non_poor")) == (5, 3, 2)


def test_the_proportional_default_draws_what_it_drew_before() -> None:
    village = _village(3, 2, 5)
    rng, same = random.Random(9), random.Random(9)
    ordered = sorted(village, key=lambda household: household.household_id)
    poor = [h for h in ordered if h.stratum == "poor"]
    others = [h for h in ordered if h.stratum == "non_poor"]
    expected = sorted(same.sample(poor, 2) + same.sample(others, 4), key=lambda h: h.household_id)
    assert sampling.draw_village(rng, village, 6) == expected
