"""What every use case receives: the unit of work and the caller; and the lifecycle table's answer turned
into HTTP."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from funds import workflow
from fupin_kit.auth.actor import Actor
from fupin_kit.problems import conflict, forbidden


@dataclass(frozen=True)
class Context:
    session: AsyncSession
    actor: Actor


def step_for(ctx: Context, status: workflow.Status, action: workflow.Action) -> workflow.Transition:
    """Out of order → 409 (a reimbursement before the acceptance: 409 payment-before-acceptance), wrong
    tier or role → 403, as identification answers a case's steps."""
    if workflow.payment_before_acceptance(status, action):
        raise conflict(
            f"a project is reimbursed (报账) only after its acceptance (验收); this one is {status.value}",
            code="payment-before-acceptance",
            project_status=status.value,
            action=action.value,
        )
    try:
        step = workflow.transition(status, action)
    except workflow.OutOfOrder as exc:
        raise conflict(
            str(exc), code="out-of-order", project_status=status.value, action=action.value
        ) from None
    try:
        workflow.check_permission(step, ctx.actor.tiers_held, ctx.actor.roles)
    except workflow.NotPermitted as exc:
        raise forbidden(str(exc)) from None
    return step
