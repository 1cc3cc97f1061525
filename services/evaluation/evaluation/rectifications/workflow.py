"""The life of a rectification task (整改), pure: which action moves which status, and who takes it.

open → in_progress (start: the worker) → submitted (submit, with what was done: the worker) → accepted
(accept: the checker) or back to in_progress (return, with the reason: the checker). Accepted is final.
The worker and the checker are tiers each task names: the county and the province for an evaluation
round's task, the assessee's tier and the assessor's for an assessment's.
"""

from __future__ import annotations

from dataclasses import dataclass

from evaluation.codes import RectificationAction as A
from evaluation.codes import RectificationStatus as S

WORKER = "worker"
CHECKER = "checker"
# The tiers that may work or check some task: who is neither is refused before the task is looked for.
WORKER_TIERS: tuple[str, ...] = ("province", "city", "county", "township")
CHECKER_TIERS: tuple[str, ...] = ("nation", "province", "city", "county")


@dataclass(frozen=True)
class Transition:
    target: S
    # WORKER or CHECKER: whose step it is.
    by: str
    # The step needs a note: what was done (submit), why it is returned (return).
    needs_note: bool = False


TRANSITIONS: dict[tuple[S, A], Transition] = {
    (S.OPEN, A.START): Transition(S.IN_PROGRESS, WORKER),
    (S.IN_PROGRESS, A.SUBMIT): Transition(S.SUBMITTED, WORKER, needs_note=True),
    (S.SUBMITTED, A.ACCEPT): Transition(S.ACCEPTED, CHECKER),
    (S.SUBMITTED, A.RETURN): Transition(S.IN_PROGRESS, CHECKER, needs_note=True),
}
# Whose step each action is, whatever the status.
BY: dict[A, str] = {action: transition.by for (_, action), transition in TRANSITIONS.items()}
# Not yet done: a task in one of these past its deadline is overdue.
OPEN: frozenset[S] = frozenset({S.OPEN, S.IN_PROGRESS, S.SUBMITTED})


def transition(current: S, action: A) -> Transition | None:
    return TRANSITIONS.get((current, action))


def actions_from(current: S) -> list[A]:
    return [action for (status, action) in TRANSITIONS if status == current]
