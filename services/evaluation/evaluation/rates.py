"""The four rates of a third-party evaluation (domain.md §7), their 95% Wilson intervals and the veto
thresholds, pure: counts in, verdicts out.

Every count is over the surveyed households (sampled households with a finding): a household nobody
surveyed says nothing about a rate, and counting its people would dilute it.

- 错退率 (wrongly_exited): wrongly exited people / surveyed people of exited households, < 2%.
- 漏评率 (missed): missed people / surveyed people of non-registered households, < 2%.
- 群众认可度 (approval): satisfied households / surveyed households (those with a finding), ≥ 90%.
- 综合贫困发生率 (composite_incidence): (people of surveyed households still registered poor, i.e. registered or
  returned + missed people + wrongly exited people) / surveyed rural people, < 2%, or < 3% in the west.

"West" is the twelve provinces of the western development programme (西部大开发), by the province code of
the evaluated county: 内蒙古 15, 广西 45, 重庆 50, 四川 51, 贵州 52, 云南 53, 西藏 54, 陕西 61, 甘肃 62,
青海 63, 宁夏 64, 新疆 65. A verdict is judged on the point estimate, as the official thresholds are; the
interval is reported beside it. A rate without a denominator (no exited household sampled, say) is
`no-data`: it neither passes nor vetoes, and the overall verdict is then `incomplete` unless another rate
vetoes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from evaluation import wilson
from fupin_contracts import evaluation as evaluation_contracts

WEST_PROVINCES: frozenset[str] = frozenset(
    {"15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
)


class Verdict(StrEnum):
    PASSED = "pass"
    VETO = "veto"
    NO_DATA = "no-data"


class Overall(StrEnum):
    PASSED = "pass"
    VETO = "veto"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class Counts:
    """What the sample and its findings add up to."""

    exited_people: int
    wrongly_exited_people: int
    non_registered_people: int
    missed_people: int
    surveyed_households: int
    satisfied_households: int
    sampled_people: int
    registered_poor_people: int


@dataclass(frozen=True)
class Threshold:
    limit: float
    # below: the rate must be < limit; at_least: ≥ limit.
    sense: Literal["below", "at_least"]

    def passes(self, rate: float) -> bool:
        return rate < self.limit if self.sense == "below" else rate >= self.limit


@dataclass(frozen=True)
class Rate:
    code: str
    numerator: int
    denominator: int
    value: float | None
    interval: wilson.Interval | None
    threshold: Threshold
    verdict: Verdict


RATE_CODES = evaluation_contracts.VETO_RATE_CODES


def is_west(county: str) -> bool:
    return county[:2] in WEST_PROVINCES


def thresholds(county: str) -> dict[str, Threshold]:
    return {
        "wrongly_exited": Threshold(0.02, "below"),
        "missed": Threshold(0.02, "below"),
        "approval": Threshold(0.90, "at_least"),
        "composite_incidence": Threshold(0.03 if is_west(county) else 0.02, "below"),
    }


def _rate(code: str, numerator: int, denominator: int, threshold: Threshold) -> Rate:
    # A finding's people may exceed what the denominator counts (a missed household's people are also
    # its members); a rate is a proportion, so the count is capped for the interval.
    numerator = min(numerator, denominator)
    if denominator == 0:
        return Rate(code, numerator, 0, None, None, threshold, Verdict.NO_DATA)
    value = numerator / denominator
    verdict = Verdict.PASSED if threshold.passes(value) else Verdict.VETO
    return Rate(
        code, numerator, denominator, value, wilson.interval(numerator, denominator), threshold, verdict
    )


def rates(county: str, counts: Counts) -> list[Rate]:
    limits = thresholds(county)
    poor_remaining = counts.registered_poor_people + counts.missed_people + counts.wrongly_exited_people
    return [
        _rate("wrongly_exited", counts.wrongly_exited_people, counts.exited_people, limits["wrongly_exited"]),
        _rate("missed", counts.missed_people, counts.non_registered_people, limits["missed"]),
        _rate("approval", counts.satisfied_households, counts.surveyed_households, limits["approval"]),
        _rate("composite_incidence", poor_remaining, counts.sampled_people, limits["composite_incidence"]),
    ]


def overall(found: list[Rate]) -> Overall:
    verdicts = {rate.verdict for rate in found}
    if Verdict.VETO in verdicts:
        return Overall.VETO
    return Overall.INCOMPLETE if Verdict.NO_DATA in verdicts else Overall.PASSED
