"""An assessment's arithmetic, pure (evaluation.assessments.scoring): the exact half-up composite, grade
boundaries, the veto, ranks with ties, consequences and the third-party score of a round."""

from __future__ import annotations

from decimal import Decimal

from evaluation.assessments import scoring
from evaluation.codes import AssessmentConsequence, AssessmentGrade

SOURCES = scoring.DEFAULT_SOURCE_WEIGHTS
PARTS = scoring.DEFAULT_PART_WEIGHTS


def _same(*scores: str) -> dict[str, Decimal]:
    return dict(zip(scoring.PARTS, (Decimal(score) for score in scores), strict=True))


def test_the_composite_is_exact_and_rounded_half_up() -> None:
    ninety = _same("90", "90", "90", "90")
    # (40 × 360 + 30 × 360 + 30 × 359.8) / 400 = 89.985: half-up 89.99 (floats and half-even: 89.98).
    scores = {
        "daily_supervision": ninety,
        "annual_check": ninety,
        "third_party": _same("90", "90", "90", "89.8"),
    }
    assert scoring.composite(SOURCES, PARTS, scores) == Decimal("89.99")
    assert round(89.985, 2) == 89.98  # what a float would have given
    # (40 × 360.1 + 30 × 360 + 30 × 359.8) / 400 = 89.995 → 90.00.
    scores["daily_supervision"] = _same("90.1", "90", "90", "90")
    assert scoring.composite(SOURCES, PARTS, scores) == Decimal("90.00")


def test_grade_boundaries_and_the_veto() -> None:
    cases = {
        "90.00": AssessmentGrade.GOOD,
        "89.99": AssessmentGrade.FAIRLY_GOOD,
        "80.00": AssessmentGrade.FAIRLY_GOOD,
        "79.99": AssessmentGrade.AVERAGE,
        "60.00": AssessmentGrade.AVERAGE,
        "59.99": AssessmentGrade.POOR,
    }
    assert {value: scoring.grade(Decimal(value), vetoed=False) for value in cases} == cases
    assert scoring.grade(Decimal("99.00"), vetoed=True) == AssessmentGrade.POOR
    assert [scoring.consequence(grade) for grade in AssessmentGrade] == [
        AssessmentConsequence.COMMENDATION,
        AssessmentConsequence.NONE,
        AssessmentConsequence.NONE,
        AssessmentConsequence.INTERVIEW,
    ]


def test_ranks_share_ties_put_the_vetoed_after_and_leave_the_incomplete_unranked() -> None:
    def result(division: str, value: str | None, vetoed: bool = False) -> scoring.Result:
        composite = None if value is None else Decimal(value)
        grade = None if composite is None else scoring.grade(composite, vetoed)
        return scoring.Result(division, vetoed, () if value else ("third_party",), composite, grade)

    ranked = scoring.ranked(
        [result("a", "80.00"), result("b", "95.00", vetoed=True), result("c", None), result("d", "85.00"),
         result("e", "80.00")]
    )  # fmt: skip
    assert [(found.division, found.rank) for found in ranked] == [
        ("d", 1),
        ("a", 2),
        ("e", 2),
        ("b", 4),
        ("c", None),
    ]


def test_the_third_party_score_of_a_round() -> None:
    assert scoring.third_party_score("pass", ["pass"] * 4) == Decimal(100)
    assert scoring.third_party_score("veto", ["pass", "veto", "veto", "veto"]) == Decimal("25.0")
    assert scoring.third_party_score("incomplete", ["pass", "pass", "pass", "no-data"]) == Decimal("75.0")
    assert scoring.third_party_score("veto", []) == Decimal(0)
