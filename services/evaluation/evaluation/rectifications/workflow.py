"""The life of a rectification task (整改), pure: which action moves which status, and who takes it.

open → in_progress (start: the worker) → submitted (submit, with what was done: the worker) → accepted
(accept: the checker) or back to in_progress (return, with the reason: the checker). Accepted is final.
The worker and the checker are tiers each task names: the county and the province for an evaluation
round's task, the assessee's tier and the assessor's for an assessment's.

A county worker may, when it starts a task, assign it to a township or village of its county (`assignee`;
a village's task only to the village or its township): the assignee's own officers then read it and take
the worker's later steps, the county keeps taking them too (it still answers for the task), and the
checker alone accepts or returns it. While the task is not accepted, its checker may extend its deadline
(never the worker, nor the assignee).

| status      | action           | to          | taken by (officers)                     | note     |
|-------------|------------------|-------------|-----------------------------------------|----------|
| open        | start (assignee?)| in_progress | the worker tier (the county may assign) | —        |
| in_progress | submit           | submitted   | the worker tier, or the assignee        | required |
| submitted   | accept           | accepted    | the checker tier                        | —        |
| submitted   | return           | in_progress | the checker tier                        | required |
| not accepted| deadline         | (unchanged) | the checker tier, a later day + reason  | reason   |
"""

from __future__ import annotations

from dataclasses import dataclass

from evaluation.codes import RectificationAction as A
from evaluation.codes import RectificationStatus as S

WORKER = "worker"
CHECKER = "checker"
# The tiers that may work or check some task: who is neither is refused before the task is looked for.
WORKER_TIERS: tuple[str, ...] = ("province", "city", "county", "township", "village")
# The worker tier that may assign a task when it starts it, the levels it may assign to, and the worker's
# actions an assignee may take.
ASSIGNING_TIER = "county"
ASSIGNEE_TIERS: tuple[str, ...] = ("township", "village")
ASSIGNEE_ACTIONS: frozenset[A] = frozenset({A.SUBMIT})
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


def may_take(action: A, tiers_held: frozenset[str], actor_division: str, task: dict[str, object]) -> bool:
    """Whether an officer holding `tiers_held` at `actor_division`, who found the task in its jurisdiction,
    takes `action` on it: the task's worker (checker) tier, or for a later worker step its assignee. The
    tiers held, not the token's tier alone: a city without counties (东莞) holds the county's tier, so
    works the county's tasks of its own division."""
    if BY[action] == CHECKER:
        return task["checker_tier"] in tiers_held
    if task["worker_tier"] in tiers_held:
        return True
    return action in ASSIGNEE_ACTIONS and task.get("assignee") == actor_division


def may_assign(action: A, tiers_held: frozenset[str]) -> bool:
    """Whether the task's worker, holding `tiers_held`, may name an assignee with `action`: only when it
    starts the task, and only as the county (a city without counties included)."""
    return action == A.START and ASSIGNING_TIER in tiers_held
