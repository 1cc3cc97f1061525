"""The pure parts: the Wilson interval against published values, the rates and their thresholds (west and
east), and the sample's allocation and reproducibility."""

from __future__ import annotations

import random
import uuid

import pytest

from evaluation import rates, sampling, wilson


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263, 15/148, 0/20, 1/29.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_published_values(
    successes: int, trials: int, low: float, high: float
) -> None:
    found = wilson.interval(successes, trials)
    assert found is not None
    assert found.low == pytest.approx(low, abs=5e-5)
    assert found.high == pytest.approx(high, abs=5e-5)


def test_wilson_interval_without_trials_is_none_and_bad_counts_are_refused() -> None:
    assert wilson.interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson.interval(3, 2)


def _counts(**overrides: int) -> rates.Counts:
    base = {
        "exited_people": 100,
        "wrongly_exited_people": 1,
        "non_registered_people": 200,
        "missed_people": 2,
        "surveyed_households": 50,
        "satisfied_households": 46,
        "sampled_people": 400,
        "registered_poor_people": 5,
    }
    return rates.Counts(**{**base, **overrides})


def test_rates_and_verdicts_of_a_hand_computed_example() -> None:
    found = {rate.code: rate for rate in rates.rates("330102000000", _counts())}
    assert found["wrongly_exited"].value == pytest.approx(0.01)
    assert found["missed"].value == pytest.approx(0.01)
    assert found["approval"].value == pytest.approx(0.92)
    # (5 registered poor + 2 missed + 1 wrongly exited) / 400 = 2%: not below 2% in the east.
    assert found["composite_incidence"].value == pytest.approx(0.02)
    assert [rate.verdict for rate in found.values()] == ["pass", "pass", "pass", "veto"]
    assert rates.overall(list(found.values())) == "veto"


def test_the_west_allows_three_percent_composite_incidence() -> None:
    west = {rate.code: rate for rate in rates.rates("520102000000", _counts())}
    assert rates.is_west("520102000000") and not rates.is_west("330102000000")
    assert west["composite_incidence"].threshold.limit == 0.03
    assert rates.overall(list(west.values())) == "pass"
    assert rates.overall(rates.rates("520102000000", _counts(satisfied_households=44))) == "veto"


def test_a_rate_without_a_denominator_has_no_data() -> None:
    found = rates.rates("520102000000", _counts(exited_people=0, wrongly_exited_people=0))
    assert found[0].verdict == "no-data" and found[0].interval is None
    assert rates.overall(found) == "incomplete"


@pytest.mark.parametrize(
    ("wanted", "poor", "non_poor", "expected"),
    [(10, 30, 70, (3, 7)), (10, 1, 99, (1, 9)), (10, 99, 1, (9, 1)), (10, 3, 2, (3, 2)), (1, 5, 5, (0, 1)),
     (4, 0, 9, (0, 4)), (3, 0, 0, (0, 0))],
)  # fmt: skip
def test_allocation_is_proportional_with_both_strata_represented(
    wanted: int, poor: int, non_poor: int, expected: tuple[int, int]
) -> None:
    assert sampling.allocate(wanted, poor, non_poor) == expected


def test_a_village_draw_is_reproducible() -> None:
    households = [
        sampling.Household(
            uuid.UUID(int=index), "520102016001", "registered" if index % 3 else "candidate", 2
        )
        for index in range(60)
    ]
    first = sampling.draw_village(random.Random(5), households, 10)
    assert first == sampling.draw_village(random.Random(5), list(reversed(households)), 10)
    assert first != sampling.draw_village(random.Random(6), households, 10)
    assert sum(1 for household in first if household.stratum == "non_poor") == 3
