from __future__ import annotations

import uuid

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from fupin_kit import openapi_scope as scope
from fupin_kit.db import DbSession
from identification import idempotency, keyset
from identification import matrix_examples as examples
from identification.deps import Ctx
from identification.division_exits import service
from identification.division_exits import workflow as flow
from identification.division_exits.schemas import (
    ActionName,
    DesignationIn,
    DivisionExitOut,
    LevelFilter,
    PoorDivisionOut,
    ProposalIn,
    PublicDivisionExit,
    StateFilter,
    StatusFilter,
    StepIn,
)
from identification.idempotency import IdempotencyKey

designations_router = APIRouter(prefix="/poor-divisions", tags=["poor villages and counties"])
router = APIRouter(prefix="/division-exits", tags=["poor villages and counties"])
public_router = APIRouter(prefix="/public/division-exits", tags=["public notice board"])
DESIGNATION = scope.by_resource("POST /poor-divisions", "division", id_field="division")
PROCEDURE = scope.by_resource("POST /division-exits", "exit_id")
AFTER = Query(default=None, max_length=200, description=keyset.AFTER)


@designations_router.post(
    "",
    status_code=201,
    response_model=PoorDivisionOut,
    openapi_extra=scope.by_division(
        location="body", example=examples.DESIGNATION, prepare=examples.VILLAGE_NAMED
    ),
)
async def designate(body: DesignationIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Put a village (by its county) or a county (by its province) on the list of poor divisions
    (贫困村/贫困县); a division already on it is a 409 `already-designated`."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("poor-division", body), lambda: service.designate(ctx, body), 201
    )


@designations_router.get("", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def list_designations(
    ctx: Ctx,
    response: Response,
    level: LevelFilter | None = Query(default=None),
    status: StatusFilter | None = Query(default=None),
    after: str | None = AFTER,
    limit: int = Query(100, ge=1, le=500),
) -> list[PoorDivisionOut]:
    """The poor villages and counties of the caller's jurisdiction, newest designation first, in keyset
    pages."""
    found = await service.list_designations(
        ctx, None if level is None else level.value, None if status is None else status.value, after, limit
    )
    return keyset.answer(response, found)


@designations_router.get("/{division}", openapi_extra=DESIGNATION)
async def read_designation(ctx: Ctx, division: str = Path(pattern=r"^[0-9]{12}$")) -> PoorDivisionOut:
    return await service.read_designation(ctx, division)


@router.post(
    "",
    status_code=201,
    response_model=DivisionExitOut,
    openapi_extra=scope.by_division(
        location="body", example=examples.DIVISION_EXIT, prepare=examples.READY_FOR_DIVISION_EXIT
    ),
)
async def propose(body: ProposalIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Propose a designated village's (township or county) or county's (county) exit: refused unless its
    poverty incidence is below the threshold (2%, 3% in the west); the indicators are kept with it."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("division-exit", body), lambda: service.propose(ctx, body), 201
    )


@router.post(
    "/{exit_id}/actions/{action}",
    response_model=DivisionExitOut,
    openapi_extra=scope.by_resource("POST /division-exits", "exit_id", example=examples.DIVISION_EXIT_STEP),
)
async def act(
    exit_id: uuid.UUID, action: ActionName, body: StepIn, ctx: Ctx, key: IdempotencyKey = None
) -> Response:
    """A step of the procedure: review (county, a village's), check (the county's city, or its province),
    verify (province: needs a passing third-party evaluation), open_notice (at least 7 days), approve
    (after the notice's end), reject (with a reason, the tier whose step is next), withdraw (the proposing
    tier, before the notice)."""
    step = flow.Action(action.value)
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("division-exit-step", exit_id, step.value, body),
        lambda: service.act(ctx, exit_id, step, body),
    )


@router.get("", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def search(
    ctx: Ctx,
    response: Response,
    level: LevelFilter | None = Query(default=None),
    state: StateFilter | None = Query(default=None),
    year: int | None = Query(default=None, ge=2013, le=2100),
    after: str | None = AFTER,
    limit: int = Query(100, ge=1, le=500),
) -> list[DivisionExitOut]:
    """The exit procedures of the caller's jurisdiction, newest first, in keyset pages."""
    found = await service.search(
        ctx,
        None if level is None else level.value,
        None if state is None else state.value,
        year,
        after,
        limit,
    )
    return keyset.answer(response, found)


@router.get("/{exit_id}", openapi_extra=PROCEDURE)
async def read(exit_id: uuid.UUID, ctx: Ctx) -> DivisionExitOut:
    """The procedure with its indicators, notice, evaluation and every step taken."""
    return await service.read(ctx, exit_id)


@public_router.get("", openapi_extra=scope.public(), responses=keyset.NEXT_CURSOR_HEADER)
async def public_search(
    session: DbSession,
    response: Response,
    division: str | None = Query(default=None, pattern=r"^[0-9]{12}$"),
    level: LevelFilter | None = Query(default=None),
    after: str | None = AFTER,
    limit: int = Query(50, ge=1, le=200),
) -> list[PublicDivisionExit]:
    """The public board of village and county exits whose notice is up or has ended: no login; a
    division's subtree with `division`; newest first, in keyset pages."""
    found = await service.public_search(
        session, division, None if level is None else level.value, after, limit
    )
    return keyset.answer(response, found)
