from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from starlette.responses import Response

from funds import idempotency
from funds import matrix_examples as examples
from funds.codes import InspectionStatus
from funds.deps import Ctx
from funds.idempotency import IdempotencyKey
from funds.inspections import service
from funds.inspections.schemas import CloseIn, InspectionIn, InspectionOut, ItemIn, PublicInspection
from funds.projects.schemas import DIVISION_PATTERN
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope
from fupin_kit.db import DbSession

router = APIRouter(prefix="/inspections", tags=["joint inspections"])
public_router = APIRouter(prefix="/public/inspections", tags=["public notice board"])
AFTER = Query(default=None, max_length=200, description=keyset.AFTER)
YEAR = Query(default=None, ge=2013, le=2100)


@router.post(
    "",
    status_code=201,
    response_model=InspectionOut,
    openapi_extra=scope.by_division(location="body", level="county", example=examples.INSPECTION),
)
async def open_inspection(body: InspectionIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Open a joint inspection (联合检查) of a county in the caller's jurisdiction for a year (an officer of
    the county, its city or its province; a city without counties counts as a county, 422 not-a-county
    otherwise): at least two different departments (422 joint-inspection), the leading unit, the dates."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("inspect", body), lambda: service.open_inspection(ctx, body), 201
    )


@router.get("", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def search(
    ctx: Ctx,
    response: Response,
    division: str | None = Query(
        default=None,
        pattern=DIVISION_PATTERN,
        description="A division within the caller's jurisdiction (the caller's own by default).",
    ),
    year: int | None = YEAR,
    status: InspectionStatus | None = Query(default=None),
    after: str | None = AFTER,
    limit: int = Query(100, ge=1, le=500),
) -> list[InspectionOut]:
    """The joint inspections of the counties of a subtree (the county and above), in keyset pages
    (`Next-Cursor`)."""
    filters = {
        column: value
        for column, value in (("year", year), ("status", None if status is None else status.value))
        if value is not None
    }
    return keyset.answer(response, await service.search(ctx, division, filters, after, limit))


@router.get("/{inspection_id}", openapi_extra=scope.by_resource("POST /inspections", "inspection_id"))
async def read(inspection_id: uuid.UUID, ctx: Ctx) -> InspectionOut:
    """The inspection with its items (the projects inspected and their checklists) and the findings it
    raised."""
    return await service.read(ctx, inspection_id)


@router.post(
    "/{inspection_id}/items",
    response_model=InspectionOut,
    openapi_extra=scope.by_resource("POST /inspections", "inspection_id", example=examples.INSPECTION_ITEM),
)
async def add_item(inspection_id: uuid.UUID, body: ItemIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Record a project of the inspected county (422 project-not-in-county otherwise) with its checklist
    (code list inspection_point, each passed or failed; a failed point needs a note, 422 note-required).
    A failed point raises an inspection-issue finding on the project, once per project and point whatever
    inspection finds it again. 409 inspection-closed once the inspection is closed."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("inspection-item", inspection_id, body),
        lambda: service.add_item(ctx, inspection_id, body),
    )


@router.post(
    "/{inspection_id}/close",
    response_model=InspectionOut,
    openapi_extra=scope.by_resource("POST /inspections", "inspection_id", example=examples.INSPECTION_CLOSE),
)
async def close(inspection_id: uuid.UUID, body: CloseIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Close the inspection with its conclusion: frozen from then on (409 inspection-closed), and its
    summary on the public board."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("inspection-close", inspection_id, body),
        lambda: service.close(ctx, inspection_id, body),
    )


@public_router.get("", openapi_extra=scope.public(), responses=keyset.NEXT_CURSOR_HEADER)
async def public_search(
    session: DbSession,
    response: Response,
    division: str = Query(pattern=DIVISION_PATTERN, description="Any division: its subtree's inspections."),
    year: int | None = YEAR,
    after: str | None = AFTER,
    limit: int = Query(50, ge=1, le=200),
) -> list[PublicInspection]:
    """The closed joint inspections of a division's subtree: departments, dates, how many projects were
    inspected, how many failed each checklist point, the conclusion. No login, no personal data."""
    return keyset.answer(response, await service.public_search(session, division, year, after, limit))
