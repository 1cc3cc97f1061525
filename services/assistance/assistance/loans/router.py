from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from fastapi import APIRouter, Query
from starlette.responses import Response

from assistance import idempotency
from assistance import matrix_examples as examples
from assistance.codes import LoanStatus
from assistance.deps import Ctx
from assistance.idempotency import IdempotencyKey
from assistance.loans import service
from assistance.loans.schemas import LoanDetailOut, LoanIn, LoanOut, RepaymentIn, StepIn
from fupin_kit import division_keyset as keyset
from fupin_kit import openapi_scope as scope

router = APIRouter(tags=["micro-credit"])
LOAN = "POST /households/{household_id}/loans"


class Step(StrEnum):
    MARK_OVERDUE = service.MARK_OVERDUE
    COMPENSATE = service.COMPENSATE


@router.post(
    "/households/{household_id}/loans",
    status_code=201,
    response_model=LoanOut,
    openapi_extra=scope.by_resource(
        examples.HOUSEHOLD,
        "household_id",
        params={"borrower_member_id": "members.0.id"},
        example=examples.LOAN,
        prepare=[examples.HOUSEHOLD_REGISTERED],
    ),
)
async def record(household_id: uuid.UUID, body: LoanIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Record a micro-credit loan (扶贫小额信贷) to the household, disbursed. County and township officers;
    the household must be registered or returned (409 household-status), with no loan outstanding (409
    loan-outstanding); ≤ 50,000 yuan (422 amount-above-limit), 1–36 months (422 term-too-long), a borrower
    aged 18–65 on the loan date (422 borrower-age), a production purpose."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("loan", household_id, body),
        lambda: service.record(ctx, household_id, body),
        status=201,
    )


@router.get(
    "/households/{household_id}/loans", openapi_extra=scope.by_resource(examples.HOUSEHOLD, "household_id")
)
async def loans_of(household_id: uuid.UUID, ctx: Ctx) -> list[LoanOut]:
    """The household's loans, newest first."""
    return await service.of_household(ctx, household_id)


@router.get(
    "/loans/{loan_id}", response_model=LoanDetailOut, openapi_extra=scope.by_resource(LOAN, "loan_id")
)
async def get(loan_id: uuid.UUID, ctx: Ctx) -> LoanDetailOut:
    """The loan with its schedule: due date, balance, repayments, and the interest the county subsidises,
    in total and per quarter it was paid in."""
    return await service.get(ctx, loan_id)


@router.post(
    "/loans/{loan_id}/repayments",
    response_model=LoanDetailOut,
    openapi_extra=scope.by_resource(LOAN, "loan_id", example=examples.REPAYMENT),
)
async def repay(loan_id: uuid.UUID, body: RepaymentIn, ctx: Ctx, key: IdempotencyKey = None) -> Response:
    """Record a repayment (principal at most the balance: 422 amount-above-balance); a zero balance makes the
    loan repaid. County and township officers."""
    return await idempotency.run(
        ctx.session, ctx.actor, key, ("repay", loan_id, body), lambda: service.repay(ctx, loan_id, body)
    )


@router.post(
    "/loans/{loan_id}/steps/{step}",
    response_model=LoanDetailOut,
    openapi_extra=scope.by_resource(LOAN, "loan_id", example=examples.LOAN_STEP),
)
async def step(
    loan_id: uuid.UUID, step: Step, body: StepIn, ctx: Ctx, key: IdempotencyKey = None
) -> Response:
    """County officers: mark_overdue (past its due date, 409 loan-not-due before), or compensate an overdue
    loan from the county's risk-compensation fund (amount and reason); 409 invalid-transition otherwise."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        key,
        ("loan-step", loan_id, step.value, body),
        lambda: service.step(ctx, loan_id, step.value, body),
    )


@router.get("/loans", openapi_extra=scope.caller(), responses=keyset.NEXT_CURSOR_HEADER)
async def search(
    ctx: Ctx,
    response: Response,
    division: str | None = Query(
        default=None,
        pattern=r"^[0-9]{12}$",
        description="A division within the caller's jurisdiction (the caller's own by default).",
    ),
    status: LoanStatus | None = None,
    due_before: dt.date | None = Query(default=None, description="Only those due before this day."),
    after: str | None = Query(default=None, max_length=200, description=keyset.AFTER),
    limit: int = Query(100, ge=1, le=500),
) -> list[LoanOut]:
    """The loans of the households in a subtree of the caller's jurisdiction, in keyset pages."""
    return keyset.answer(response, await service.search(ctx, division, status, due_before, after, limit))
