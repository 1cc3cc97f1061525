from __future__ import annotations

import uuid

from fastapi import APIRouter, Query
from starlette.responses import Response

from evaluation import idempotency
from evaluation import matrix_examples as examples
from evaluation.deps import Ctx
from evaluation.idempotency import IdempotencyKey
from evaluation.rounds import service
from evaluation.rounds.schemas import (
    CloseIn,
    CloseOut,
    CorrectionIn,
    DrawOut,
    EvaluationIn,
    EvaluationOut,
    FindingIn,
    FindingOut,
    ResultsOut,
    SampledOut,
)
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope

router = APIRouter(tags=["evaluations"])


@router.post(
    "/evaluations",
    status_code=201,
    response_model=EvaluationOut,
    openapi_extra=scope.by_division("county", location="body", level="county", example=examples.EVALUATION),
)
async def open_evaluation(body: EvaluationIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Open a third-party evaluation (第三方评估) of a county-level division of the caller's province
    (province officers; 422 not-a-county otherwise). The seed is generated and recorded when absent."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("open", body), lambda: service.open_evaluation(ctx, body), status=201
    )


@router.get("/evaluations", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def search(
    ctx: Ctx,
    response: Response,
    division: str | None = Query(
        default=None,
        pattern=r"^[0-9]{12}$",
        description="A division within the caller's jurisdiction (the caller's own by default).",
    ),
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[EvaluationOut]:
    """The evaluations of the counties within a subtree of the caller's jurisdiction, in keyset pages."""
    return keyset.answer(response, await service.search(ctx, division, after, limit))


@router.get(
    "/evaluations/{evaluation_id}",
    response_model=EvaluationOut,
    openapi_extra=scope.by_resource(examples.OPEN, "evaluation_id"),
)
async def get(evaluation_id: uuid.UUID, ctx: Ctx) -> EvaluationOut:
    return await service.get(ctx, evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/draw",
    response_model=DrawOut,
    openapi_extra=scope.by_resource(examples.OPEN, "evaluation_id", prepare=[examples.REGISTRY_HOUSEHOLD]),
)
async def draw(evaluation_id: uuid.UUID, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Draw the stratified sample (townships of the county → villages → households, poor and non-poor in
    proportion per village, or split 5:3:2 poor, exited and non-poor when the design asks for
    satisfaction_532) with the evaluation's seed, and freeze it: 409 sample-frozen the second time."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("draw", evaluation_id), lambda: service.draw(ctx, evaluation_id)
    )


@router.get(
    "/evaluations/{evaluation_id}/sample",
    openapi_extra=scope.by_resource(examples.OPEN, "evaluation_id"),
    responses=keyset.NEXT_CURSOR_HEADER,
)
async def sample(
    evaluation_id: uuid.UUID,
    ctx: Ctx,
    response: Response,
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[SampledOut]:
    """The frozen sample, in (village, household id) keyset pages."""
    return keyset.answer(response, await service.sample(ctx, evaluation_id, after, limit))


@router.post(
    "/evaluations/{evaluation_id}/findings",
    status_code=201,
    response_model=FindingOut,
    openapi_extra=scope.by_resource(
        examples.DRAW,
        "evaluation_id",
        id_field="evaluation.id",
        params={"household_id": "first.0.household_id"},
        example=examples.FINDING_BODY,
    ),
)
async def record_finding(
    evaluation_id: uuid.UUID, body: FindingIn, ctx: Ctx, key: IdempotencyKey = None
) -> Response:
    """Record the finding on one sampled household (province officers, on the evaluator's behalf; 422
    not-in-sample, 409 duplicate-finding the second time, 409 evaluation-closed after the close)."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("finding", evaluation_id, body),
        lambda: service.record_finding(ctx, evaluation_id, body),
        status=201,
    )


@router.put(
    "/evaluations/{evaluation_id}/findings/{household_id}",
    response_model=FindingOut,
    openapi_extra=scope.by_resource(
        examples.FINDING,
        "evaluation_id",
        id_field="evaluation_id",
        params={"household_id": "household_id"},
        example=examples.CORRECTION,
    ),
)
async def correct_finding(
    evaluation_id: uuid.UUID,
    household_id: uuid.UUID,
    body: CorrectionIn,
    ctx: Ctx,
    key: IdempotencyKey = None,
) -> Response:
    """Correct a household's finding, with the reason: the version it replaces is kept in its history."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("correction", evaluation_id, household_id, body),
        lambda: service.correct_finding(ctx, evaluation_id, household_id, body),
    )


@router.get(
    "/evaluations/{evaluation_id}/findings/{household_id}",
    response_model=FindingOut,
    openapi_extra=scope.by_resource(
        examples.FINDING, "evaluation_id", id_field="evaluation_id", params={"household_id": "household_id"}
    ),
)
async def finding(evaluation_id: uuid.UUID, household_id: uuid.UUID, ctx: Ctx) -> FindingOut:
    return await service.finding(ctx, evaluation_id, household_id)


@router.get(
    "/evaluations/{evaluation_id}/results",
    response_model=ResultsOut,
    openapi_extra=scope.by_resource(examples.OPEN, "evaluation_id"),
)
async def results(evaluation_id: uuid.UUID, ctx: Ctx) -> ResultsOut:
    """错退率, 漏评率, 群众认可度 and 综合贫困发生率 with their 95% Wilson intervals, each rate's verdict against
    domain.md §7's thresholds (综合贫困发生率 < 3% in the twelve western provinces, < 2% elsewhere) and the
    overall verdict, counted over the surveyed households (those with a finding); as frozen at the close
    once closed."""
    return await service.results(ctx, evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/close",
    response_model=CloseOut,
    openapi_extra=scope.by_resource(
        examples.FINDING, "evaluation_id", id_field="evaluation_id", example=examples.CLOSE_BODY
    ),
)
async def close(
    evaluation_id: uuid.UUID, ctx: Ctx, body: CloseIn | None = None, key: IdempotencyKey = None
) -> Response:
    """Close the evaluation (province officers): the findings freeze, the rates are kept as they stand,
    and every failed threshold and every household found wrongly exited or missed becomes a rectification
    task (整改) due `rectification_days` (7–180, 30 without a body) days on. While sampled households lack
    a finding it is 409 survey-incomplete (`unsurveyed_households`), unless `partial_reason` says why the
    survey stays partial: the reason is kept in the results and the close event."""
    terms = body or CloseIn()
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("close", evaluation_id, terms),
        lambda: service.close(ctx, evaluation_id, terms),
    )
