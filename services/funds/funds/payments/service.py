"""Payments to households (到户资金, domain.md §6): recorded by a county officer for a household of the
registry's read model within its county, checked at once (funds.supervision), each with its event and
those of its findings, audited in the payment's own transaction. A payment failing a check is recorded all
the same: the money left, and the finding says what to do about it. The per-household benefit list of a
village is public, with the head's name masked and no ids."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from funds import access, events
from funds.codes import Benefit, FindingKind
from funds.context import Context
from funds.payments import repository
from funds.payments.schemas import BenefitListItem, PaymentIn, PaymentOut
from funds.readmodel import repository as households
from funds.supervision import service as supervision
from fupin_kit import civil_time
from fupin_kit import division_keyset as keyset
from fupin_kit.outbox import record_changes
from fupin_kit.pii import mask_name
from fupin_kit.problems import ProblemError, conflict, not_found, unprocessable

Row = dict[str, Any]


def _invalid(field: str, detail: str, code: str) -> ProblemError:
    """A 422 naming the body field; `code` written out at each call (the console's labels are checked
    against the literal codes in the sources)."""
    return unprocessable(detail, code=code, errors=[{"loc": ["body", field], "msg": detail, "type": code}])


async def _household(ctx: Context, body: PaymentIn) -> Row:
    lo, hi = ctx.actor.subtree
    household = await households.household(ctx.session, body.household_id, lo, hi)
    if household is None:
        raise not_found("household")
    if body.member_id is not None:
        member = await households.member(ctx.session, body.member_id)
        if member is None or member["household_id"] != body.household_id:
            raise _invalid("member_id", "not a member of the household", code="member-not-in-household")
    return household


async def _project(ctx: Context, project_id: uuid.UUID | None) -> None:
    if project_id is None:
        return
    lo, hi = ctx.actor.subtree
    if await repository.lock_project(ctx.session, project_id, lo, hi) is None:
        raise not_found("project")


def _not_future(body: PaymentIn) -> None:
    today = civil_time.china_today()
    if body.paid_on > today:
        raise _invalid("paid_on", f"paid after today ({today.isoformat()}, China time)", code="future-date")


async def _insert(ctx: Context, values: Row, keyed: bool) -> Row:
    """Without an Idempotency-Key a second payment of the same benefit and period is refused (409); with
    one (a key other than the first payment's) it is recorded as what it is, a duplicate, and flagged."""
    try:
        if keyed:
            return await repository.add_next(ctx.session, values)
        return await repository.add_first(ctx.session, values)
    except repository.DuplicateBenefit:
        raise conflict(
            "this household (member) has this benefit for this period already: a second payment is "
            "recorded only when sent with its own Idempotency-Key, and is then flagged as a duplicate",
            code="duplicate-benefit",
            benefit=values["benefit"],
            period=values["period"],
        ) from None


def render(payment: Row, findings: list[Row]) -> PaymentOut:
    return PaymentOut.model_validate(
        {
            **payment,
            "benefit_label": Benefit(payment["benefit"]).label,
            "findings": [
                {
                    "id": row["id"],
                    "kind": row["kind"],
                    "kind_label": FindingKind(row["kind"]).label,
                    "status": row["status"],
                }
                for row in findings
            ],
        }
    )


async def record(ctx: Context, body: PaymentIn, keyed: bool) -> PaymentOut:
    access.require_county_officer(ctx.actor)
    household = await _household(ctx, body)
    _not_future(body)
    await _project(ctx, body.project_id)
    values = {
        **body.model_dump(exclude={"benefit"}),
        "benefit": body.benefit.value,
        "id": uuid.uuid4(),
        "division": household["division"],
        "recorded_by": ctx.actor.subject,
    }
    payment = await _insert(ctx, values, keyed)
    raised = await supervision.check_payment(ctx, payment["id"])
    # The payment's event first: a consumer reads the findings of a payment it has seen.
    staged = [events.payment_recorded(payment, [row["kind"] for row in raised], ctx.actor)]
    await record_changes(ctx.session, staged + [events.finding_raised(row, ctx.actor) for row in raised])
    return render(payment, raised)


async def benefit_list(
    session: AsyncSession, village: str, period: str | None, after: str | None, limit: int
) -> keyset.Page[BenefitListItem]:
    access.require_village(village)
    rows = await repository.benefit_list(session, village, period, keyset.decode(after), limit)
    return keyset.page(
        rows,
        limit,
        lambda row: BenefitListItem.model_validate(
            {**row, "head_name": mask_name(row["head_name"]), "benefit_label": Benefit(row["benefit"]).label}
        ),
        "id",
    )
