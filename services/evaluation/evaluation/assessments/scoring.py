"""An assessment's arithmetic, pure: scores in, composite, grade, rank and consequence out.

- Composite: Σ over sources of (source weight × Σ over parts of (part weight × score)) / 10000, the weights
  integers summing to 100 each, the scores 0–100 with one decimal: computed in exact decimals (never
  floats, whose 89.985 is 89.98499…), then rounded half-up to two places.
- Grade, on the rounded composite: 好 ≥ 90, 较好 ≥ 80, 一般 ≥ 60, 较差 below 60 or vetoed (一票否决).
- Rank: 1 for the highest composite, equal composites sharing a rank (1, 2, 2, 4); the vetoed after every
  assessee not vetoed, among themselves by composite; an incomplete assessee has none.
- Consequence: 好 → commendation (通报表扬, eligible for incentive funds), 较好 and 一般 → none, 较差 →
  interview of the leaders (约谈) and a rectification task.
- A third-party score taken from a closed round: 100 when the round's overall verdict passed, otherwise the
  share of its four rates that passed × 100 (a rate without data does not pass), given to every part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from evaluation.codes import AssessmentConsequence as Consequence
from evaluation.codes import AssessmentGrade as Grade
from evaluation.codes import AssessmentPart, AssessmentSource

SOURCES: tuple[str, ...] = tuple(source.value for source in AssessmentSource)
PARTS: tuple[str, ...] = tuple(part.value for part in AssessmentPart)
DEFAULT_SOURCE_WEIGHTS: dict[str, int] = {"daily_supervision": 40, "annual_check": 30, "third_party": 30}
DEFAULT_PART_WEIGHTS: dict[str, int] = dict.fromkeys(PARTS, 25)
WEIGHT_TOTAL = 100
CENTS = Decimal("0.01")
TENTHS = Decimal("0.1")
FULL_MARKS = Decimal(100)
GRADE_FLOORS: tuple[tuple[Decimal, Grade], ...] = (
    (Decimal(90), Grade.GOOD),
    (Decimal(80), Grade.FAIRLY_GOOD),
    (Decimal(60), Grade.AVERAGE),
)
CONSEQUENCES: dict[Grade, Consequence] = {
    Grade.GOOD: Consequence.COMMENDATION,
    Grade.FAIRLY_GOOD: Consequence.NONE,
    Grade.AVERAGE: Consequence.NONE,
    Grade.POOR: Consequence.INTERVIEW,
}
ROUND_PASSED = "pass"

# {source: {part: score}}
Scores = Mapping[str, Mapping[str, Decimal]]


@dataclass(frozen=True)
class Result:
    division: str
    vetoed: bool
    missing: tuple[str, ...]
    composite: Decimal | None
    grade: Grade | None
    rank: int | None = None


def missing_sources(scores: Scores) -> tuple[str, ...]:
    return tuple(source for source in SOURCES if source not in scores)


def composite(source_weights: Mapping[str, int], part_weights: Mapping[str, int], scores: Scores) -> Decimal:
    """The weighted composite of complete scores, exact, rounded half-up to two places."""
    total = sum(
        (
            source_weights[source] * part_weights[part] * scores[source][part]
            for source in SOURCES
            for part in PARTS
        ),
        Decimal(0),
    )
    return (total / (WEIGHT_TOTAL * WEIGHT_TOTAL)).quantize(CENTS, rounding=ROUND_HALF_UP)


def grade(value: Decimal, vetoed: bool) -> Grade:
    if vetoed:
        return Grade.POOR
    for floor, named in GRADE_FLOORS:
        if value >= floor:
            return named
    return Grade.POOR


def consequence(named: Grade) -> Consequence:
    return CONSEQUENCES[named]


def result(
    division: str,
    vetoed: bool,
    source_weights: Mapping[str, int],
    part_weights: Mapping[str, int],
    scores: Scores,
) -> Result:
    missing = missing_sources(scores)
    if missing:
        return Result(division, vetoed, missing, None, None)
    value = composite(source_weights, part_weights, scores)
    return Result(division, vetoed, (), value, grade(value, vetoed))


def ranked(results: Sequence[Result]) -> list[Result]:
    """`results` in rank order, each complete one with its rank; the incomplete last, unranked."""
    complete = [found for found in results if found.composite is not None]
    incomplete = [found for found in results if found.composite is None]
    complete.sort(key=lambda found: (found.vetoed, -(found.composite or 0), found.division))
    out: list[Result] = []
    for position, found in enumerate(complete, start=1):
        before = out[-1] if out else None
        tied = before is not None and (before.vetoed, before.composite) == (found.vetoed, found.composite)
        rank = before.rank if tied and before is not None else position
        out.append(Result(found.division, found.vetoed, (), found.composite, found.grade, rank))
    return out + sorted(incomplete, key=lambda found: found.division)


def third_party_score(overall_verdict: str, rate_verdicts: Sequence[str]) -> Decimal:
    """A closed round's score (module docstring), to one decimal."""
    if overall_verdict == ROUND_PASSED or not rate_verdicts:
        return FULL_MARKS if overall_verdict == ROUND_PASSED else Decimal(0)
    passed = sum(1 for verdict in rate_verdicts if verdict == ROUND_PASSED)
    share = Decimal(passed) / Decimal(len(rate_verdicts)) * FULL_MARKS
    return share.quantize(TENTHS, rounding=ROUND_HALF_UP)
