from __future__ import annotations

import uuid

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from assistance import idempotency
from assistance import matrix_examples as examples
from assistance.codes import LinkMechanism
from assistance.deps import Ctx
from assistance.idempotency import IdempotencyKey
from assistance.links import service
from assistance.links.schemas import (
    BenefitHistoryOut,
    BenefitIn,
    HouseholdLinkOut,
    LinkDetailOut,
    LinkEndIn,
    LinkIn,
    LinkOut,
    LinkSummaryOut,
)
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope

router = APIRouter(tags=["project links"])


@router.put(
    "/projects/{project_id}/links/{household_id}",
    response_model=LinkDetailOut,
    openapi_extra=scope.by_resource(examples.PROJECT, "project_id", example=examples.LINK),
)
async def put(
    project_id: uuid.UUID, household_id: uuid.UUID, body: LinkIn, ctx: Ctx, key: IdempotencyKey = None
) -> Response:
    """Link the household to the project (带贫/利益联结机制), or change the current link (a new version, with a
    reason). County and township officers, the project and the household both within their jurisdiction;
    the project approved by the county and not rejected (409 project-not-approved), the household
    registered, returned or monitored (409 household-status) and in the project's county (422
    outside-project-county); at most 1,000,000 yuan expected a year (422 benefit-above-limit). The county's
    rejection of the project ends its current links (reason 项目未通过审批)."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("link", project_id, household_id, body),
        lambda: service.put(ctx, project_id, household_id, body),
    )


@router.post(
    "/projects/{project_id}/links/{household_id}/end",
    response_model=LinkDetailOut,
    openapi_extra=scope.by_resource(examples.PROJECT, "project_id", example=examples.LINK_END),
)
async def end(
    project_id: uuid.UUID, household_id: uuid.UUID, body: LinkEndIn, ctx: Ctx, key: IdempotencyKey = None
) -> Response:
    """End the current link with a reason and day (409 not-linked when there is none)."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("link-end", project_id, household_id, body),
        lambda: service.end(ctx, project_id, household_id, body),
    )


@router.put(
    "/links/{link_id}/benefits/{year}",
    response_model=BenefitHistoryOut,
    # No link exists for the matrix to aim at (a link needs an approved project and a registered household,
    # two objects of two processes): the matrix checks the answer for an absent link (404 for everyone).
    openapi_extra=scope.caller(example=examples.BENEFIT),
)
async def record_benefit(
    link_id: uuid.UUID,
    body: BenefitIn,
    ctx: Ctx,
    year: int = Path(ge=2013, le=2100),
    key: IdempotencyKey = None,
) -> Response:
    """What the linked household actually received in `year`, from the link's first year to next year and not
    after the year it ended (422 benefit-year), at most 1,000,000 yuan (422 benefit-above-limit), never on a
    link of a project the county rejected (409 project-rejected); a correction needs a reason and keeps the
    amount it replaces. County and township officers."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("benefit", link_id, year, body),
        lambda: service.record_benefit(ctx, link_id, year, body),
    )


@router.get(
    "/projects/{project_id}/links",
    openapi_extra=scope.by_resource(examples.PROJECT, "project_id"),
    responses=keyset.NEXT_CURSOR_HEADER,
)
async def of_project(
    project_id: uuid.UUID,
    ctx: Ctx,
    response: Response,
    mechanism: LinkMechanism | None = None,
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[LinkOut]:
    """The project's current links to households within the caller's jurisdiction, in keyset pages."""
    found = await service.of_project(
        ctx, project_id, None if mechanism is None else mechanism.value, after, limit
    )
    return keyset.answer(response, found)


@router.get(
    "/projects/{project_id}/links/summary", openapi_extra=scope.by_resource(examples.PROJECT, "project_id")
)
async def summary(project_id: uuid.UUID, ctx: Ctx) -> LinkSummaryOut:
    """Households linked by mechanism, the expected yearly total, what was received per year, and how many
    of them are still poor (registered or returned), within the caller's jurisdiction."""
    return await service.summary(ctx, project_id)


@router.get(
    "/households/{household_id}/links", openapi_extra=scope.by_resource(examples.HOUSEHOLD, "household_id")
)
async def of_household(household_id: uuid.UUID, ctx: Ctx) -> list[HouseholdLinkOut]:
    """The household's project links (current first) with what it received per year."""
    return await service.of_household(ctx, household_id)


@router.get("/links", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def search(
    ctx: Ctx,
    response: Response,
    division: str | None = Query(
        default=None,
        pattern=r"^[0-9]{12}$",
        description="A division within the caller's jurisdiction (the caller's own by default).",
    ),
    mechanism: LinkMechanism | None = None,
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[LinkOut]:
    """The current links of the households in a subtree of the caller's jurisdiction, in keyset pages."""
    found = await service.search(ctx, division, None if mechanism is None else mechanism.value, after, limit)
    return keyset.answer(response, found)
