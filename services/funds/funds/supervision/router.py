from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from starlette.responses import Response

from funds import idempotency
from funds import matrix_examples as examples
from funds.codes import FindingKind, FindingStatus
from funds.deps import Ctx
from funds.idempotency import IdempotencyKey
from funds.projects.schemas import DIVISION_PATTERN
from funds.supervision import service
from funds.supervision.schemas import FindingOut, ResolveIn, ScanOut
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope

router = APIRouter(prefix="/supervision", tags=["supervision"])


@router.post(
    "/scan",
    response_model=ScanOut,
    openapi_extra=scope.by_division(location="query", level="county"),
)
async def scan(
    ctx: Ctx,
    division: str = Query(
        pattern=DIVISION_PATTERN, description="A division within the caller's jurisdiction."
    ),
    key: IdempotencyKey = None,
) -> Response:
    """Check every payment of the division's subtree again (an officer of the county or above): what the
    registry's later events changed (a death, an exit) or a project's later acceptance shows; and its
    allocations: idle-funds (资金滞留) for an allocation received by a county whose spending deadline has
    passed (today, China time, is after it) with part of it neither passed down nor drawn on by a project in
    implementation or later, outside-category (挪用) for a project approved by the county and not rejected
    drawing on an allocation not approved for its category. Findings held already are not raised twice."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("scan", division), lambda: service.scan(ctx, division)
    )


@router.get("/findings", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def findings(
    ctx: Ctx,
    response: Response,
    division: str | None = Query(
        default=None,
        pattern=DIVISION_PATTERN,
        description="A division within the caller's jurisdiction (the caller's own by default).",
    ),
    kind: FindingKind | None = Query(default=None),
    status: FindingStatus | None = Query(default=None),
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[FindingOut]:
    """The findings of a subtree (the county and above), in keyset pages (`Next-Cursor`); the head's name
    masked above the county. A finding on an allocation or a project (idle-funds, outside-category) names
    its allocation instead of a payment."""
    filters = {
        column: value.value for column, value in (("kind", kind), ("status", status)) if value is not None
    }
    return keyset.answer(response, await service.search(ctx, division, filters, after, limit))


@router.post(
    "/findings/{finding_id}/resolve",
    response_model=FindingOut,
    openapi_extra=scope.by_resource(
        "POST /payments", "finding_id", id_field="findings.0.id", example=examples.RESOLVE
    ),
)
async def resolve(finding_id: uuid.UUID, body: ResolveIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Resolve a finding (a county officer): recovered, justified or transferred_to_discipline (an open
    finding; a transferred one may still end recovered); anything else is out of order (409). Joint sign-off
    by officers of the supervision, poverty-alleviation and finance departments is not modelled."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("resolve", finding_id, body),
        lambda: service.resolve(ctx, finding_id, body),
    )
