"""Micro-credit (扶贫小额信贷; domain.md §5): a loan of at most 50,000 yuan for at most 36 months, at the
benchmark rate, to a member aged 18 to 65 of a registered (or returned) household, for production; one
outstanding per household. Repayments bring the balance down; the county marks a loan overdue past its due
date, and its risk-compensation fund may then pay the bank. The county's interest subsidy is the interest
recorded on a subsidised loan, per quarter it was paid in.

Recorded by the county's and the township's officers (the county's alone mark overdue and compensate: the
fund is the county's), within their jurisdiction; read by every tier within its own, the borrower's name
masked and the birth date withheld above the county."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal

from assistance import access, events, households
from assistance.codes import LoanStatus
from assistance.context import Context
from assistance.loans import repository, workflow
from assistance.loans.schemas import LoanDetailOut, LoanIn, LoanOut, QuarterSubsidy, RepaymentIn, StepIn
from assistance.text import not_before, not_future, reason_required
from fupin_kit import civil_time
from fupin_kit import division_keyset as keyset
from fupin_kit.outbox import record_changes
from fupin_kit.pii import mask_name, mask_texts
from fupin_kit.problems import conflict, not_found, unprocessable

# Registered as poor or returned to poverty: a monitored household is not a registered one (domain.md §5).
BORROWING: tuple[str, ...] = ("registered", "returned")
MARK_OVERDUE, COMPENSATE = "mark_overdue", "compensate"
# Typed by officers: read above the county with any personal number in them masked, as a measure's texts.
TYPED = ("bank", "compensation_reason")


def _invalid(field: str, detail: str, *, code: str) -> Exception:
    return unprocessable(detail, code=code, errors=[{"loc": ["body", field], "msg": detail, "type": code}])


def render(ctx: Context, row: repository.Row) -> LoanOut:
    if ctx.actor.sees_full_identity:
        return LoanOut.model_validate(row)
    return LoanOut.model_validate(
        {
            **row,
            "borrower_name": mask_name(row["borrower_name"]),
            "borrower_birth_date": None,
            **{key: mask_texts(row[key]) for key in TYPED},
        }
    )


def _check_terms(body: LoanIn) -> None:
    if body.amount > workflow.AMOUNT_LIMIT:
        raise _invalid("amount", "a micro-credit loan is at most 50,000 yuan", code="amount-above-limit")
    if body.term_months > workflow.TERM_LIMIT_MONTHS:
        raise _invalid("term_months", "a micro-credit loan runs at most 36 months", code="term-too-long")
    not_future(body.disbursed_on, ["body", "disbursed_on"], "the disbursement day")
    age = workflow.age_on(body.borrower_birth_date, body.disbursed_on)
    if not workflow.YOUNGEST <= age <= workflow.OLDEST:
        raise _invalid(
            "borrower_birth_date",
            f"the borrower is {age} on the loan date; aged 18 to 65 only",
            code="borrower-age",
        )


async def _borrower(ctx: Context, household_id: uuid.UUID, member_id: uuid.UUID) -> repository.Row:
    member = await repository.member(ctx.session, household_id, member_id)
    if member is None or member["status"] != "active":
        raise _invalid(
            "borrower_member_id",
            "the borrower must be an active member of the household",
            code="borrower-not-member",
        )
    return member


def _require_borrowing(household: repository.Row) -> None:
    if household["status"] not in BORROWING:
        raise conflict(
            f"a micro-credit loan is for a registered or returned household; this one is {household['status']}",
            code="household-status",
            household_status=household["status"],
        )


async def record(ctx: Context, household_id: uuid.UUID, body: LoanIn) -> LoanOut:
    access.require_writer(ctx.actor, "county", "township")
    household = await households.within(ctx, household_id, lock=True)
    _require_borrowing(household)
    _check_terms(body)
    borrower = await _borrower(ctx, household_id, body.borrower_member_id)
    outstanding = tuple(status.value for status in workflow.OUTSTANDING)
    current = await repository.outstanding_of(ctx.session, household_id, outstanding)
    if current is not None:
        raise conflict(
            "the household has a loan outstanding; one at a time",
            code="loan-outstanding",
            loan_id=str(current["id"]),
        )
    added = await repository.add(
        ctx.session,
        {
            **body.model_dump(exclude={"purpose"}),
            "id": uuid.uuid4(),
            "household_id": household_id,
            "division": household["division"],
            "borrower_name": borrower["name"],
            "purpose": body.purpose.value,
            "due_on": workflow.due_on(body.disbursed_on, body.term_months),
            "status": workflow.DISBURSED.value,
            "balance": body.amount,
            "recorded_by": ctx.actor.subject,
        },
    )
    await record_changes(ctx.session, [events.loan_disbursed(added, ctx.actor)])
    return render(ctx, added)


async def _loan(ctx: Context, loan_id: uuid.UUID, *, lock: bool = False) -> repository.Row:
    lo, hi = ctx.actor.subtree
    found = await repository.get(ctx.session, loan_id, lo, hi, lock=lock)
    if found is None:
        raise not_found("loan")
    return found


def _require_move(current: LoanStatus, target: LoanStatus) -> None:
    if not workflow.may_move(current, target):
        allowed = ", ".join(workflow.next_statuses(current)) or "nothing (it is final)"
        raise conflict(
            f"a {current.value} loan cannot become {target.value}; it may become: {allowed}",
            code="invalid-transition",
            loan_status=current.value,
        )


async def repay(ctx: Context, loan_id: uuid.UUID, body: RepaymentIn) -> LoanDetailOut:
    access.require_writer(ctx.actor, "county", "township")
    loan = await _loan(ctx, loan_id, lock=True)
    current = LoanStatus(loan["status"])
    if current not in workflow.OUTSTANDING:
        _require_move(current, workflow.REPAID)
    not_future(body.paid_on, ["body", "paid_on"], "the payment day")
    not_before(
        body.paid_on, loan["disbursed_on"], ["body", "paid_on"], "the payment day", "the loan was disbursed"
    )
    if body.principal > loan["balance"]:
        raise _invalid("principal", f"the balance is {loan['balance']:.2f} yuan", code="amount-above-balance")
    balance = loan["balance"] - body.principal
    target = workflow.after_repayment(current, balance)
    _require_move(current, target)
    repayment = await repository.add_repayment(
        ctx.session,
        {**body.model_dump(), "id": uuid.uuid4(), "loan_id": loan_id, "balance_after": balance,
         "recorded_by": ctx.actor.subject},
    )  # fmt: skip
    changed = await repository.change(ctx.session, loan_id, {"balance": balance, "status": target.value})
    staged = [events.loan_repaid(changed, repayment, ctx.actor)]
    if target == workflow.REPAID:
        staged.append(events.loan_status_changed(changed, ctx.actor, current.value))
    await record_changes(ctx.session, staged)
    return await _detail(ctx, changed)


def _step_values(step: str, loan: repository.Row, body: StepIn) -> dict[str, object]:
    if step == MARK_OVERDUE:
        today = civil_time.china_today()
        if loan["due_on"] >= today:
            raise conflict(
                f"the loan is due on {loan['due_on'].isoformat()}: it is overdue only after that",
                code="loan-not-due",
            )
        return {"status": workflow.OVERDUE.value}
    if body.amount is None:
        raise _invalid(
            "amount", "the amount the fund pays the bank is required", code="compensation-required"
        )
    if body.reason is None:
        raise reason_required(["body", "reason"], "the fund compensates the bank")
    if body.amount > loan["balance"]:
        raise _invalid("amount", f"the balance is {loan['balance']:.2f} yuan", code="amount-above-balance")
    return {
        "status": workflow.COMPENSATED.value,
        "compensated_amount": body.amount,
        "compensation_reason": body.reason,
    }


async def step(ctx: Context, loan_id: uuid.UUID, step_name: str, body: StepIn) -> LoanDetailOut:
    access.require_writer(ctx.actor, "county")
    loan = await _loan(ctx, loan_id, lock=True)
    current = LoanStatus(loan["status"])
    target = workflow.OVERDUE if step_name == MARK_OVERDUE else workflow.COMPENSATED
    # The table lets a repayment keep an overdue loan overdue; a step always changes the status.
    _require_move(current, target if current != target else workflow.DISBURSED)
    changed = await repository.change(ctx.session, loan_id, _step_values(step_name, loan, body))
    await record_changes(ctx.session, [events.loan_status_changed(changed, ctx.actor, current.value)])
    return await _detail(ctx, changed)


async def _detail(ctx: Context, loan: repository.Row) -> LoanDetailOut:
    paid = await repository.repayments(ctx.session, loan["id"])
    by_quarter: dict[str, Decimal] = defaultdict(Decimal)
    if loan["interest_subsidy"]:
        for repayment in paid:
            by_quarter[workflow.quarter_of(repayment["paid_on"])] += repayment["interest"]
    interest_paid = sum((repayment["interest"] for repayment in paid), Decimal("0.00"))
    return LoanDetailOut.model_validate(
        {
            **render(ctx, loan).model_dump(),
            "interest_paid": interest_paid,
            "interest_subsidised": interest_paid if loan["interest_subsidy"] else Decimal("0.00"),
            "subsidy_by_quarter": [
                QuarterSubsidy(quarter=quarter, interest=interest)
                for quarter, interest in sorted(by_quarter.items())
            ],
            "repayments": paid,
        }
    )


async def get(ctx: Context, loan_id: uuid.UUID) -> LoanDetailOut:
    return await _detail(ctx, await _loan(ctx, loan_id))


async def of_household(ctx: Context, household_id: uuid.UUID) -> list[LoanOut]:
    await households.within(ctx, household_id)
    return [render(ctx, row) for row in await repository.of_household(ctx.session, household_id)]


async def search(
    ctx: Context,
    division: str | None,
    status: LoanStatus | None,
    due_before: dt.date | None,
    after: str | None,
    limit: int,
) -> keyset.Page[LoanOut]:
    lo, hi = access.subtree(ctx.actor, division)
    where = repository.Filter(
        lo=lo, hi=hi, status=None if status is None else status.value, due_before=due_before
    )
    rows = await repository.page(ctx.session, where, keyset.decode(after), limit)
    return keyset.page(rows, limit, lambda row: render(ctx, row), "id")
