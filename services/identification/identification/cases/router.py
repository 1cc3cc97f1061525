from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from fupin_kit import openapi_scope as scope
from identification import idempotency
from identification import matrix_examples as examples
from identification.cases import service
from identification.cases.schemas import (
    ActionIn,
    ApiAction,
    CaseFilter,
    CaseIn,
    CaseOut,
    CasePage,
    CategoryIn,
    HistoryOut,
)
from identification.deps import Ctx
from identification.idempotency import IdempotencyKey
from identification.workflow import Kind, State

router = APIRouter(prefix="/cases", tags=["cases"])


@router.post(
    "",
    status_code=201,
    response_model=CaseOut,
    openapi_extra=scope.by_resource(
        "registry: POST /households", "household_id", location="body", example=examples.CASE
    ),
)
async def apply(body: CaseIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Application (申请) with the household's signed data authorisation, recorded by a village cadre."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("apply", body), lambda: service.apply_for(ctx, body), 201
    )


@router.get("", openapi_extra=scope.caller())
async def search(
    ctx: Ctx,
    division: str | None = Query(default=None, pattern=r"^[0-9]{12}$"),
    kind: Kind | None = Query(default=None),
    state: State | None = Query(default=None),
    household_id: uuid.UUID | None = Query(
        default=None, description="only this household's cases (none outside the caller's jurisdiction)"
    ),
    after: str | None = Query(default=None, max_length=200),
    limit: int = Query(default=50, ge=1, le=500),
) -> CasePage:
    """The cases of the caller's jurisdiction; an unknown kind or state is 422, as on the other lists."""
    return await service.search(
        ctx,
        division,
        CaseFilter(
            kind=None if kind is None else kind.value,
            state=None if state is None else state.value,
            household_id=household_id,
        ),
        after,
        limit,
    )


@router.get("/{case_id}", openapi_extra=scope.by_resource("POST /cases", "case_id"))
async def read(case_id: uuid.UUID, ctx: Ctx) -> CaseOut:
    return await service.read(ctx, case_id)


@router.get("/{case_id}/history", openapi_extra=scope.by_resource("POST /cases", "case_id"))
async def history(case_id: uuid.UUID, ctx: Ctx) -> list[HistoryOut]:
    return await service.history(ctx, case_id)


@router.post(
    "/{case_id}/actions/{action}",
    response_model=CaseOut,
    openapi_extra=scope.by_resource("POST /cases", "case_id", example=examples.ACTION),
)
async def act(
    case_id: uuid.UUID, action: ApiAction, body: ActionIn, ctx: Ctx, key: IdempotencyKey = None
) -> Response:
    """One step of the procedure; out of order → 409, wrong tier or role → 403. A field survey (verify,
    exit_verify, visit) takes a free-form finding; a `visited_on` in it, optional, must be a day written
    YYYY-MM-DD (422 invalid-date), not after today in China (422 future-date) and not before the case was
    opened (422 date-too-early)."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("act", case_id, action, body),
        lambda: service.advance(ctx, case_id, action, body),
    )


@router.get("/{case_id}/category-suggestion", openapi_extra=scope.by_resource("POST /cases", "case_id"))
async def category_suggestion(case_id: uuid.UUID, ctx: Ctx) -> list[dict[str, Any]]:
    """Suggested support categories, each with the rule that fired and the facts it saw."""
    return await service.suggest_category(ctx, case_id)


@router.post(
    "/{case_id}/category",
    response_model=CaseOut,
    openapi_extra=scope.by_resource("POST /cases", "case_id", example=examples.CATEGORY),
)
async def confirm_category(
    case_id: uuid.UUID, body: CategoryIn, ctx: Ctx, key: IdempotencyKey = None
) -> Response:
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("category", case_id, body),
        lambda: service.confirm_category(ctx, case_id, body),
    )
