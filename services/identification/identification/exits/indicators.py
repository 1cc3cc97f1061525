"""Village and county exit indicators (贫困村/贫困县退出): poverty incidence = people still registered as
poor / rural population, against 2% (3% in the western provinces). The poor come from the registry read
model; the rural population is the statistics figure a county enters as the region setting
`rural_population` of the village or the county (a county without its own figure sums its villages')."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel

from fupin_kit import divisions
from fupin_kit.auth.actor import require_within
from fupin_kit.problems import unprocessable
from identification.context import Context
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
    note: str | None = None


def incidence(poor: int, rural: int | None) -> Decimal | None:
    if not rural:
        return None
    return (Decimal(100) * poor / rural).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


async def indicators(ctx: Context, division: str) -> IndicatorOut:
    try:
        level = divisions.level(division)
    except divisions.InvalidDivisionCode as exc:
        raise unprocessable(str(exc)) from None
    require_within(ctx.actor, division, "division")
    if level not in (divisions.Level.VILLAGE, divisions.Level.COUNTY):
        raise unprocessable("exit indicators are computed for a village or a county")
    lo, hi = divisions.subtree_range(division)
    counts = await repository.household_counts(ctx.session, lo, hi)
    figures = await repository.rural_population(ctx.session, lo, hi)
    rural = figures.get(division)
    note = None
    if rural is None and level == divisions.Level.COUNTY:
        villages = {
            code: n for code, n in figures.items() if divisions.level(code) == divisions.Level.VILLAGE
        }
        if villages:
            rural = sum(villages.values())
            note = f"rural population summed over {len(villages)} villages with a figure"
    if rural is None:
        note = "no rural_population figure set for this division"
    west = division[:2] in WEST
    threshold = THRESHOLD_PCT[west]
    rate = incidence(counts["poor_population"], rural)
    return IndicatorOut(
        division=division,
        level=divisions.TIER_NAMES[level],
        west=west,
        rural_population=rural,
        incidence_pct=None if rate is None else float(rate),
        threshold_pct=float(threshold),
        meets_threshold=None if rate is None else rate < threshold,
        note=note,
        **counts,
    )
