from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from starlette.responses import Response

from assistance import idempotency
from assistance import matrix_examples as examples
from assistance.deps import Ctx
from assistance.helpers import service
from assistance.helpers.schemas import HelperEndIn, HelperIn, HelperOut, HelpersOut, HouseholdOut
from assistance.idempotency import IdempotencyKey
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope

router = APIRouter(tags=["helpers"])
DIVISION = Query(
    default=None,
    pattern=r"^[0-9]{12}$",
    description="A division within the caller's jurisdiction (the caller's own by default).",
)
AFTER = Query(default=None, max_length=200, description=keyset.AFTER)
LIMIT = Query(100, ge=1, le=500)


@router.put(
    "/households/{household_id}/helper",
    response_model=HelperOut,
    openapi_extra=scope.by_resource(examples.HOUSEHOLD, "household_id", example=examples.HELPER),
)
async def assign(household_id: uuid.UUID, body: HelperIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Assign the household's named helper (帮扶责任人), or change it: the current one's assignment ends on
    the new one's start day with the reason given (required then). County and township officers; the
    household must be registered, returned or monitored (409 household-status)."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("assign", household_id, body),
        lambda: service.assign(ctx, household_id, body),
    )


@router.post(
    "/households/{household_id}/helper/end",
    response_model=HelperOut,
    openapi_extra=scope.by_resource(examples.HOUSEHOLD, "household_id", example=examples.HELPER_END),
)
async def end(household_id: uuid.UUID, body: HelperEndIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """End the current helper's assignment without a successor (409 no-helper when there is none)."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("end", household_id, body), lambda: service.end(ctx, household_id, body)
    )


@router.get(
    "/households/{household_id}/helpers", openapi_extra=scope.by_resource(examples.HOUSEHOLD, "household_id")
)
async def helpers_of(household_id: uuid.UUID, ctx: Ctx) -> HelpersOut:
    """The household's current helper and the earlier ones, newest first."""
    return await service.read(ctx, household_id)


@router.get("/helpers", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def current_helpers(
    ctx: Ctx,
    response: Response,
    division: str | None = DIVISION,
    after: str | None = AFTER,
    limit: int = LIMIT,
) -> list[HelperOut]:
    """The current helpers of the households in a subtree of the caller's jurisdiction, in keyset pages."""
    return keyset.answer(response, await service.search(ctx, division, after, limit))


@router.get("/households", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def households(
    ctx: Ctx,
    response: Response,
    division: str | None = DIVISION,
    unassigned: bool = Query(
        default=False,
        description="Only the registered, returned or monitored households without a current helper.",
    ),
    unvisited_days: int | None = Query(
        default=None,
        ge=1,
        le=3660,
        description="Only the registered, returned or monitored households not visited for this many days "
        "(no visit dated within the last N days, today in China included; never visited included).",
    ),
    after: str | None = AFTER,
    limit: int = LIMIT,
) -> list[HouseholdOut]:
    """The households of a subtree as the registry's events describe them, each with its current helper
    and the day of its last visit."""
    gaps = service.HouseholdGaps(unassigned=unassigned, unvisited_days=unvisited_days)
    return keyset.answer(response, await service.households(ctx, division, gaps, after, limit))
