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
    """Put a village on the list of poor divisions (贫困村: its county designates it) or a county (贫困县: its
    province or the nation designates it; a city without counties counts as a county).

    Problems: 422 `invalid-division` (a code of impossible structure: no such province, or digits set under
    a level of zeros), 422 `not-an-exit-unit` (neither a village nor a county), 422 `unknown-division` (no event of
    the registry has named it), 422 `future-year` (designated_year after this year); 403 when the caller's
    tier does not designate at that level; 404 outside the caller's jurisdiction; 409 `already-designated`
    (on the list, or exited from it)."""
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
    poverty incidence (exact, not the rounded figure) is below the threshold (2%, 3% in the west); the
    indicators are kept with it.

    Problems: 422 `invalid-division`, 422 `not-an-exit-unit`, 422 `future-year` (year after this year), 422 `before-designation`,
    422 `no-rural-population`, 422 `incomplete-figures` (villages with poor households but no figure), 422
    `incidence-above-threshold`; 403 when the caller's tier does not propose at that level; 404 outside the
    caller's jurisdiction; 409 `not-designated`, 409 `procedure-open` (one is open already), 409
    `already-exited`."""
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
    verify (province: the latest closed third-party evaluation of the county and year passed all four veto
    rates with every sampled household surveyed), open_notice (`notice_days`, 7 by default: at least 7 and
    at most 60 days, or down to 1 second where the deployment allows short notices), approve (after the
    notice's end; a county's only while the latest closed evaluation still lets it exit), reject (with a
    reason, the tier whose step is next), withdraw (with a reason, the proposing tier, before the notice).

    Problems: 422 `reason-required` (reject, withdraw), 422 `notice-days` (out of range, or given with a
    step other than open_notice); 403 when the caller's tier or roles may not take the step; 404 outside the
    caller's jurisdiction; 409 `out-of-order` (the state does not allow the step), 409 `exit-notice-running`
    (approve before the notice's end), 409 `no-passing-evaluation` (verify, or a county's approve: none
    closed, or the latest vetoed, not passed, or partial)."""
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
    """The public board of village and county exits whose notice is up or has ended: no login; with
    `division`, its subtree's and those of the divisions above it (a village's board shows its county's
    摘帽), 422 `invalid-division` for a code of impossible structure; newest first, in keyset pages."""
    found = await service.public_search(
        session, division, None if level is None else level.value, after, limit
    )
    return keyset.answer(response, found)
