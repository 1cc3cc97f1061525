from __future__ import annotations

import uuid

from fastapi import APIRouter, Query

from assistance import matrix_examples as examples
from assistance.deps import Ctx
from assistance.summaries import service
from assistance.summaries.periods import PERIOD_FORMS
from assistance.summaries.schemas import CoverageOut, HouseholdVisitSummaryOut, VisitSummaryOut
from assistance.text import EARLIEST
from fupin_kit import openapi_scope as scope

router = APIRouter(tags=["summaries"])
DIVISION = Query(
    default=None,
    pattern=r"^[0-9]{12}$",
    description="A division within the caller's jurisdiction (the caller's own by default).",
)


@router.get(
    "/households/{household_id}/visits/summary",
    openapi_extra=scope.by_resource(examples.HOUSEHOLD, "household_id"),
)
async def household_visits_summary(
    household_id: uuid.UUID,
    ctx: Ctx,
    year: int | None = Query(
        default=None,
        ge=EARLIEST.year,
        le=2100,
        description="This year in China by default; a year not yet begun is 422 `period`.",
    ),
) -> HouseholdVisitSummaryOut:
    """The household's visits in a year per month, per quarter and in all, by kind, with the helpers in
    charge in each, and the days since its last visit (China time)."""
    return await service.household_year(ctx, household_id, year)


@router.get("/visits/summary", openapi_extra=scope.caller())
async def visits_summary(
    ctx: Ctx,
    division: str | None = DIVISION,
    period: str | None = Query(
        default=None,
        max_length=7,
        description=f"The period, {PERIOD_FORMS}, in China time; this year by default. Another form, or "
        "a period not yet begun, is 422 `period`.",
        examples=["2026-Q3"],
    ),
) -> VisitSummaryOut:
    """The visits of the households in charge of a division in a period, one row per child division (a
    village: one per household), with the totals: households in charge, visited, never visited, visits by
    kind."""
    return await service.visit_summary(ctx, division, period)


@router.get("/coverage", openapi_extra=scope.caller())
async def coverage(ctx: Ctx, division: str | None = DIVISION) -> CoverageOut:
    """How far assistance reaches the households in charge of a division, one row per child division (a
    village: one per household), with the totals: a current helper, a plan, a measure, an overdue measure,
    a visit in the last 90 days, and the villages with a resident team."""
    return await service.coverage(ctx, division)
