"""Village and county exit indicators (贫困村/贫困县退出): poverty incidence = people still registered as
poor / rural population, against 2% (3% in the western provinces). The poor come from the registry read
model; the rural population is the statistics figure a county enters as the region setting
`rural_population` of the village or the county. A county without its own figure sums its villages', and
then counts the poor of those same villages only: numerator and denominator cover one population. The
villages with poor households but no figure are reported (how many, their poor) so the officer sees the
coverage, and no verdict (`meets_threshold`) is given while any is missing. A city without counties
(divisions.COUNTYLESS_CITIES) is the county here, as everywhere its government holds the county's powers:
its indicator is the county's; its townships, like a county's, are no exit unit."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from pydantic import BaseModel

from fupin_kit import divisions
from fupin_kit.auth.actor import require_within
from fupin_kit.problems import unprocessable
from identification.context import Context
from identification.division_exits.workflow import code_problem
from identification.exits import repository

# 西部: Inner Mongolia, Guangxi, Chongqing, Sichuan, Guizhou, Yunnan, Tibet, Shaanxi, Gansu, Qinghai,
# Ningxia, Xinjiang.
WEST = frozenset({"15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"})
THRESHOLD_PCT = {True: Decimal("3"), False: Decimal("2")}


class IndicatorOut(BaseModel):
    division: str
    level: str
    west: bool
    poor_households: int
    poor_population: int
    exited_households: int
    exited_population: int
    rural_population: int | None
    incidence_pct: float | None
    threshold_pct: float
    meets_threshold: bool | None
    # The poor people the incidence is computed over: all of `poor_population`, or, for a county summing
    # its villages' figures, the poor of those villages only (None when there is no incidence).
    incidence_poor_population: int | None = None
    # A county summing its villages' figures: the villages summed, and the villages with poor households
    # but no figure, with their poor (left out of both sides of the incidence).
    villages_with_figure: int | None = None
    villages_without_figure: int | None = None
    poor_households_without_figure: int | None = None
    poor_population_without_figure: int | None = None
    note: str | None = None


def incidence(poor: int, rural: int | None) -> Fraction | None:
    """The poverty incidence in percent, exact: the threshold is compared with this, never with the
    figure rounded for display (20 of 667 is 2.9985%, below 3%, though it shows as 3.00)."""
    if not rural:
        return None
    return Fraction(100 * poor, rural)


def shown(rate: Fraction) -> Decimal:
    """The incidence as displayed: percent rounded half up to 0.01."""
    return (Decimal(rate.numerator) / Decimal(rate.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def exit_level(division: str) -> divisions.Level:
    """The level the division exits at: its padding level, but the county's for a countyless city."""
    if division in divisions.COUNTYLESS_CITIES:
        return divisions.Level.COUNTY
    return divisions.level(division)


async def indicators(ctx: Context, division: str) -> IndicatorOut:
    try:
        problem = code_problem(division)
    except divisions.InvalidDivisionCode as exc:
        problem = str(exc)
    if problem is not None:
        raise unprocessable(problem, code="invalid-division", division=division)
    level = exit_level(division)
    require_within(ctx.actor, division, "division")
    if level not in (divisions.Level.VILLAGE, divisions.Level.COUNTY):
        raise unprocessable(
            "exit indicators are computed for a village or a county (or a city without counties)"
        )
    lo, hi = divisions.subtree_range(division)
    counts = await repository.household_counts(ctx.session, lo, hi)
    figures = await repository.rural_population(ctx.session, lo, hi)
    rural = figures.get(division)
    poor = counts["poor_population"]
    coverage: dict[str, int] = {}
    note = None
    if rural is None and level == divisions.Level.COUNTY:
        villages = {
            code: n for code, n in figures.items() if divisions.level(code) == divisions.Level.VILLAGE
        }
        by_village = await repository.poor_by_division(ctx.session, lo, hi)
        uncovered = {code: found for code, found in by_village.items() if code not in villages}
        coverage = {
            "villages_with_figure": len(villages),
            "villages_without_figure": len(uncovered),
            "poor_households_without_figure": sum(households for households, _ in uncovered.values()),
            "poor_population_without_figure": sum(people for _, people in uncovered.values()),
        }
        if villages:
            rural = sum(villages.values())
            poor = sum(by_village.get(code, (0, 0))[1] for code in villages)
            note = (
                f"rural population and poor people counted over the {len(villages)} villages with a "
                f"rural_population figure; {len(uncovered)} villages with poor households have no figure "
                f"({coverage['poor_population_without_figure']} poor people left out)"
            )
    if rural is None:
        note = "no rural_population figure set for this division"
    west = division[:2] in WEST
    threshold = THRESHOLD_PCT[west]
    rate = incidence(poor, rural)
    complete = not coverage.get("villages_without_figure")
    if rate is not None and not complete:
        note = f"{note}; no verdict until every village with poor households has a figure"
    return IndicatorOut(
        division=division,
        level=divisions.TIER_NAMES[level],
        west=west,
        rural_population=rural,
        incidence_pct=None if rate is None else float(shown(rate)),
        threshold_pct=float(threshold),
        meets_threshold=None if rate is None or not complete else rate < Fraction(threshold),
        incidence_poor_population=None if rate is None else poor,
        note=note,
        **coverage,
        **counts,
    )
