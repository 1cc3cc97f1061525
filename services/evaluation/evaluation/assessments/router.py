from __future__ import annotations

import uuid

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from evaluation import idempotency
from evaluation import matrix_examples as examples
from evaluation.assessments import service
from evaluation.assessments.schemas import (
    AssesseeResultOut,
    AssessmentIn,
    AssessmentOut,
    FinalizeOut,
    FromRoundIn,
    ResultsOut,
    ScoreIn,
    ScoreOut,
    VetoIn,
)
from evaluation.codes import AssessmentSource
from evaluation.deps import Ctx
from evaluation.idempotency import IdempotencyKey
from evaluation.rounds.schemas import CODE
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope

router = APIRouter(tags=["assessments"])
# No pattern: a code that is no assessee is 404 like any other, after the caller's tier and role are
# checked, so that a caller refused for who it is is refused whatever the path names.
Division = Path(description="An assessee of the assessment (a 12-digit division code).")
ASSESSEE = {"division": "assessees.0"}


@router.post(
    "/assessments",
    status_code=201,
    response_model=AssessmentOut,
    openapi_extra=scope.caller(examples.ASSESSMENT, level="county"),
)
async def open_assessment(body: AssessmentIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Open an assessment (年度考核) of the tier directly below the caller's (officers of the nation, a
    province, a city or a county; a province may name `county`): its year, scheme of weights (422 weights
    unless each set sums to 100) and assessees (422 not-an-assessee for a code of another level, 404 for
    one outside the caller's jurisdiction, 422 duplicate-assessee)."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("assessment", body),
        lambda: service.open_assessment(ctx, body),
        status=201,
    )


@router.get("/assessments", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def search(
    ctx: Ctx,
    response: Response,
    division: str | None = Query(
        default=None,
        pattern=CODE,
        description="A division within the caller's jurisdiction (the caller's own by default): the "
        "assessments made there or of an assessee there.",
    ),
    year: int | None = Query(default=None, ge=2013, le=2100),
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[AssessmentOut]:
    """The assessments the caller reads, in keyset pages: those made within its jurisdiction (all their
    assessees shown) and those of an assessee within it (only those assessees shown)."""
    return keyset.answer(response, await service.search(ctx, division, year, after, limit))


@router.get(
    "/assessments/{assessment_id}",
    response_model=AssessmentOut,
    openapi_extra=scope.by_resource(examples.OPEN_ASSESSMENT, "assessment_id"),
)
async def get(assessment_id: uuid.UUID, ctx: Ctx) -> AssessmentOut:
    return await service.get(ctx, assessment_id)


@router.put(
    "/assessments/{assessment_id}/scores/{division}/{source}",
    response_model=ScoreOut,
    openapi_extra=scope.by_resource(
        examples.OPEN_ASSESSMENT, "assessment_id", params=ASSESSEE, example=examples.SCORE
    ),
)
async def put_score(
    assessment_id: uuid.UUID,
    source: AssessmentSource,
    body: ScoreIn,
    ctx: Ctx,
    division: str = Division,
    key: IdempotencyKey = None,
) -> Response:
    """Record an assessee's score from one source, one 0–100 (one decimal) per part, by the assessor's
    officers; correcting it needs a `reason` (422 reason-required) and keeps the version replaced. 409
    assessment-finalized once finalized."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("assessment-score", assessment_id, division, source.value, body),
        lambda: service.put_score(ctx, assessment_id, division, source, body),
    )


@router.post(
    "/assessments/{assessment_id}/scores/{division}/third-party/from-round",
    response_model=ScoreOut,
    openapi_extra=scope.by_resource(
        examples.OPEN_ASSESSMENT, "assessment_id", params=ASSESSEE, example=examples.FROM_ROUND
    ),
)
async def score_from_round(
    assessment_id: uuid.UUID,
    body: FromRoundIn,
    ctx: Ctx,
    division: str = Division,
    key: IdempotencyKey = None,
) -> Response:
    """Take the third-party score of a county-level assessee from a closed round (第三方评估) of that county
    and the assessment's year: 100 on every part when the round's overall verdict passed, otherwise the
    share of its four rates that passed × 100 (a rate without data does not pass). 422 round-mismatch for
    another county's or year's round, 409 round-not-closed."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("assessment-from-round", assessment_id, division, body),
        lambda: service.score_from_round(ctx, assessment_id, division, body),
    )


@router.put(
    "/assessments/{assessment_id}/assessees/{division}/veto",
    response_model=AssesseeResultOut,
    openapi_extra=scope.by_resource(
        examples.OPEN_ASSESSMENT, "assessment_id", params=ASSESSEE, example=examples.VETO
    ),
)
async def set_veto(
    assessment_id: uuid.UUID,
    body: VetoIn,
    ctx: Ctx,
    division: str = Division,
    key: IdempotencyKey = None,
) -> Response:
    """Set or lift the veto (一票否决) on an assessee, with the reason: a vetoed assessee is graded 较差."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("assessment-veto", assessment_id, division, body),
        lambda: service.set_veto(ctx, assessment_id, division, body),
    )


@router.get(
    "/assessments/{assessment_id}/results",
    response_model=ResultsOut,
    openapi_extra=scope.by_resource(examples.OPEN_ASSESSMENT, "assessment_id"),
)
async def results(assessment_id: uuid.UUID, ctx: Ctx) -> ResultsOut:
    """Per assessee: its scores, the weighted composite (exact, half-up to two places), rank and grade (好
    ≥ 90, 较好 ≥ 80, 一般 ≥ 60, 较差 below or vetoed), or the sources it still lacks. An assessee reads
    its own; the assessor and the tiers above read all."""
    return await service.results(ctx, assessment_id)


@router.post(
    "/assessments/{assessment_id}/finalize",
    response_model=FinalizeOut,
    openapi_extra=scope.by_resource(examples.OPEN_ASSESSMENT, "assessment_id"),
)
async def finalize(assessment_id: uuid.UUID, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Freeze the results (409 assessment-incomplete while an assessee lacks a source's score, 409
    assessment-finalized the second time) and record each assessee's consequence: 好 a commendation
    (通报表扬, eligible for incentive funds), 较差 an interview of its leaders (约谈) and a rectification task
    (整改) for it, due in 30 days, which it works and the assessor accepts."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("assessment-finalize", assessment_id),
        lambda: service.finalize(ctx, assessment_id),
    )
