from __future__ import annotations

from fastapi import APIRouter, Query
from starlette.responses import Response

from fupin_kit import openapi_scope as scope
from identification import idempotency
from identification import matrix_examples as examples
from identification.cases.schemas import CaseOut
from identification.deps import Ctx
from identification.exits import indicators, service
from identification.exits.schemas import ExitIn, MonitoringIn
from identification.idempotency import IdempotencyKey

router = APIRouter(tags=["exit and monitoring"])


@router.get("/exits/indicators", openapi_extra=scope.by_division("division", "query"))
async def exit_indicators(ctx: Ctx, division: str = Query(pattern=r"^[0-9]{12}$")) -> indicators.IndicatorOut:
    """Poverty incidence of a village or county against the exit threshold (2%, 3% in the west)."""
    return await indicators.indicators(ctx, division)


@router.post(
    "/exits",
    status_code=201,
    response_model=CaseOut,
    openapi_extra=scope.by_resource(
        "registry: POST /households", "household_id", location="body", example=examples.EXIT
    ),
)
async def propose_exit(body: ExitIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Village review of a household exit, with its checks (income, 两不愁三保障, not registered this year)."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("exit", body), lambda: service.propose_exit(ctx, body), 201
    )


@router.post(
    "/monitoring",
    status_code=201,
    response_model=CaseOut,
    openapi_extra=scope.by_resource(
        "registry: POST /households", "household_id", location="body", example=examples.MONITORING
    ),
)
async def open_monitoring(body: MonitoringIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """A monitoring warning (first of the nine steps) from a self-report, a visit or a public report."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("monitoring", body), lambda: service.open_monitoring(ctx, body), 201
    )
