from __future__ import annotations

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from assistance import idempotency
from assistance import matrix_examples as examples
from assistance.deps import Ctx
from assistance.idempotency import IdempotencyKey
from assistance.teams import service
from assistance.teams.schemas import TeamIn, TeamOut, TeamsOut
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope

router = APIRouter(tags=["resident teams"])
VILLAGE = Path(pattern=r"^[0-9]{12}$", description="A village-level division code (422 otherwise).")


@router.put(
    "/villages/{code}/team",
    response_model=TeamOut,
    openapi_extra=scope.by_division(param="code", location="path", example=examples.TEAM),
)
async def form(body: TeamIn, ctx: Ctx, code: str = VILLAGE, key: IdempotencyKey = None) -> Response:
    """Form the village's resident team (驻村工作队), or replace it: the current team ends on the new one's
    start day with the reason given (required then). County officers."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("team", code, body), lambda: service.form(ctx, code, body)
    )


@router.get("/villages/{code}/team", openapi_extra=scope.by_division(param="code", location="path"))
async def team_of(ctx: Ctx, code: str = VILLAGE) -> TeamsOut:
    """The village's current team and the earlier ones, newest first."""
    return await service.read(ctx, code)


@router.get("/teams", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def current_teams(
    ctx: Ctx,
    response: Response,
    division: str | None = Query(
        default=None,
        pattern=r"^[0-9]{12}$",
        description="A division within the caller's jurisdiction (the caller's own by default).",
    ),
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[TeamOut]:
    """The current teams of the villages in a subtree of the caller's jurisdiction, in keyset pages."""
    return keyset.answer(response, await service.search(ctx, division, after, limit))
