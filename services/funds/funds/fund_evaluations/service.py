"""The special fund evaluation (专项资金绩效评价, domain.md §7): per county of a subtree and year, how much of
the money received was used, how many approved projects were completed, how well the evaluated ones met
their targets, and what supervision still holds open, weighed into a composite out of 100 and graded. A
province or city officer freezes a county's year once: reads then answer the frozen figures with their
time, and `fund_evaluation.frozen` is published (audited in its own transaction)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from funds import access, events
from funds.codes import EvaluationGrade
from funds.context import Context
from funds.fund_evaluations import repository
from funds.fund_evaluations.schemas import WEIGHTS, FundEvaluationOut, FundEvaluationsOut
from funds.projects.evaluation import grade_of
from fupin_kit import civil_time
from fupin_kit.outbox import record_changes
from fupin_kit.problems import conflict

Row = dict[str, Any]
RATE = Decimal("0.0001")
TENTH = Decimal("0.1")
CENT = Decimal("0.01")
FINDING_PENALTY = 2


def _ratio(part: Decimal | int, whole: Decimal | int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(RATE, rounding=ROUND_HALF_UP)


def _findings_points(open_findings: int) -> Decimal:
    return Decimal(max(0, WEIGHTS["findings"] - FINDING_PENALTY * open_findings))


def _composite(spending: Decimal, completion: Decimal, achievement: Decimal, open_findings: int) -> Decimal:
    total = (
        WEIGHTS["spending"] * min(spending, Decimal(1))
        + WEIGHTS["completion"] * completion
        + WEIGHTS["achievement"] * achievement / 100
        + _findings_points(open_findings)
    )
    return total.quantize(TENTH, rounding=ROUND_HALF_UP)


def evaluate(raw: Row, year: int) -> Row:
    """The figures of one county from its raw sums and counts: rates, composite and grade, or null with a
    reason where there is nothing to measure."""
    reasons: dict[str, str] = {}
    spending = completion = achievement = None
    if raw["received"] > 0:
        spending = _ratio(raw["used"], raw["received"])
    else:
        reasons["spending_rate"] = "no allocation received in the year"
    if raw["projects_approved"] > 0:
        completion = _ratio(raw["projects_accepted"], raw["projects_approved"])
    else:
        reasons["completion_rate"] = "no project of the year approved"
    if raw["achievement"] is not None:
        achievement = Decimal(raw["achievement"]).quantize(TENTH, rounding=ROUND_HALF_UP)
    else:
        reasons["achievement"] = "no project of the year evaluated"
    composite = None
    if spending is None or completion is None or achievement is None:
        reasons["composite"] = "a figure it weighs has no data: " + ", ".join(sorted(reasons))
    else:
        composite = _composite(spending, completion, achievement, raw["open_findings"])
    grade = None if composite is None else grade_of(composite).value
    return {
        **raw,
        "year": year,
        "received": Decimal(raw["received"]).quantize(CENT),
        "used": Decimal(raw["used"]).quantize(CENT),
        "open_findings_amount": Decimal(raw["open_findings_amount"]).quantize(CENT),
        "spending_rate": spending,
        "completion_rate": completion,
        "achievement": achievement,
        "composite": composite,
        "grade": grade,
        "reasons": reasons,
    }


def _out(figures: Row, frozen: Row | None = None) -> FundEvaluationOut:
    grade = figures["grade"]
    return FundEvaluationOut.model_validate(
        {
            **figures,
            "grade_label": None if grade is None else EvaluationGrade(grade).label,
            "weights": WEIGHTS,
            "frozen": frozen is not None,
            "frozen_at": None if frozen is None else frozen["frozen_at"],
            "frozen_by": None if frozen is None else frozen["frozen_by"],
        }
    )


def _frozen_out(row: Row) -> FundEvaluationOut:
    """The stored figures hold every field but the freeze's own."""
    return FundEvaluationOut.model_validate(
        {**row["figures"], "frozen": True, "frozen_at": row["frozen_at"], "frozen_by": row["frozen_by"]}
    )


async def search(ctx: Context, division: str | None, year: int) -> FundEvaluationsOut:
    access.require_supervisor(ctx.actor)
    lo, hi = access.subtree(ctx.actor, division)
    asked = division or ctx.actor.division
    own = asked if access.county_level(asked) else None
    computed = {
        row["division"]: _out(evaluate(row, year))
        for row in await repository.figures(ctx.session, lo, hi, year, own)
    }
    frozen = {row["division"]: _frozen_out(row) for row in await repository.frozen(ctx.session, lo, hi, year)}
    merged = {**computed, **frozen}
    return FundEvaluationsOut(division=asked, year=year, counties=[merged[key] for key in sorted(merged)])


def _require_ended(year: int) -> None:
    """A freeze is for good: a year still running (or to come) would be frozen before its money is spent."""
    today = civil_time.china_today()
    if year >= today.year:
        raise conflict(
            f"the year {year} has not ended (today is {today.isoformat()} in China): its evaluation is "
            "frozen once it has",
            code="year-not-ended",
            year=year,
        )


async def freeze(ctx: Context, county: str, year: int) -> FundEvaluationOut:
    access.require_fund_evaluator(ctx.actor)
    access.require_county(ctx.actor, county, ("path", "county"))
    _require_ended(year)
    lo, hi = access.county_range(county)
    raw = [
        row
        for row in await repository.figures(ctx.session, lo, hi, year, county)
        if row["division"] == county
    ]
    figures = _out(evaluate(raw[0], year)).model_dump(
        mode="json", exclude={"frozen", "frozen_at", "frozen_by"}
    )
    row = await repository.freeze(
        ctx.session, {"division": county, "year": year, "figures": figures, "frozen_by": ctx.actor.subject}
    )
    if row is None:
        raise conflict(
            f"the fund evaluation of {county} for {year} is frozen already",
            code="already-frozen",
            division=county,
            year=year,
        )
    out = _frozen_out(row)
    await record_changes(ctx.session, [events.fund_evaluation_frozen(out.model_dump(), ctx.actor)])
    return out
