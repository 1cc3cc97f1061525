"""What every use case receives: the unit of work, the caller, and the service clock's "now"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.auth.actor import Actor
from fupin_kit.problems import ProblemError, conflict, forbidden
from identification import clock, workflow

SYSTEM_ACTOR = Actor(
    subject="system:identification",
    tier="nation",
    division="000000000000",
    roles=frozenset({"system"}),
    kind="system",
)


@dataclass(frozen=True)
class Context:
    session: AsyncSession
    actor: Actor
    now: dt.datetime

    @property
    def is_system(self) -> bool:
        return self.actor.kind == "system"

    @property
    def year(self) -> int:
        """The current year of the procedure (in China), by the service clock."""
        return clock.civil_year(self.now)


def step_for(ctx: Context, state: workflow.State, action: workflow.Action) -> workflow.Transition:
    """The table's answer, turned into HTTP: out of order → 409, wrong tier or role → 403."""
    try:
        step = workflow.transition(state, action)
    except workflow.OutOfOrder as exc:
        raise conflict(str(exc), code="out-of-order", state=state.value, action=action.value) from None
    if ctx.is_system:
        return step
    try:
        workflow.check_permission(step, ctx.actor.tiers_held, ctx.actor.roles)
    except workflow.NotPermitted as exc:
        raise forbidden(str(exc)) from None
    return step


def as_problem(exc: workflow.OutOfOrder) -> ProblemError:
    return conflict(str(exc), code="out-of-order", state=exc.state.value, action=exc.action.value)
