from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from starlette.responses import Response

from funds import idempotency
from funds import matrix_examples as examples
from funds.allocations import service
from funds.allocations.schemas import AllocationIn, AllocationOut, SummaryOut
from funds.codes import AllocationSource
from funds.deps import Ctx
from funds.idempotency import IdempotencyKey
from funds.projects.schemas import DIVISION_PATTERN
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope

router = APIRouter(prefix="/allocations", tags=["allocations"])
DIVISION = Query(
    default=None,
    pattern=DIVISION_PATTERN,
    description="A division within the caller's jurisdiction (the caller's own by default).",
)


@router.post(
    "",
    status_code=201,
    response_model=AllocationOut,
    openapi_extra=scope.by_division(location="body", level="county", example=examples.ALLOCATION),
)
async def allocate(body: AllocationIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Allocate (下达) money to a division below the caller's, within its jurisdiction, at the county level
    at the lowest (an officer of the nation, a province, a city or a county; a county-level officer records
    its own county or integrated funds to itself): 422 not-an-allocation-receiver otherwise. With
    `parent_id` it passes down an allocation the caller's division received: same year and source,
    categories within its own (422), and never more passed down than it holds (409 allocation-exceeded)."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("allocate", body), lambda: service.allocate(ctx, body), 201
    )


@router.get("", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def search(
    ctx: Ctx,
    response: Response,
    division: str | None = DIVISION,
    year: int | None = Query(default=None, ge=2013, le=2100),
    source: AllocationSource | None = Query(default=None),
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[AllocationOut]:
    """The allocations received within a subtree of the caller's jurisdiction (those it made included), in
    keyset pages (`Next-Cursor`), each with the sum passed down from it."""
    filters = {
        column: value
        for column, value in (("year", year), ("source", None if source is None else source.value))
        if value is not None
    }
    return keyset.answer(response, await service.search(ctx, division, filters, after, limit))


@router.get("/summary", openapi_extra=scope.caller())
async def summary(
    ctx: Ctx, year: int = Query(ge=2013, le=2100), division: str | None = DIVISION
) -> SummaryOut:
    """Per division of the subtree that received an allocation in the year: received, passed down,
    committed to projects (county_approved or later), paid (projects reimbursed) and the balance."""
    return await service.summary(ctx, division, year)


@router.get("/{allocation_id}", openapi_extra=scope.by_resource("POST /allocations", "allocation_id"))
async def read(allocation_id: uuid.UUID, ctx: Ctx) -> AllocationOut:
    """The allocation with what was passed down from it and the projects drawing on it."""
    return await service.read(ctx, allocation_id)
