"""The life of a rectification task (整改), pure: which action moves which status, and who takes it.

open → in_progress (start: the county) → submitted (submit, with what was done: the county) → accepted
(accept: the province) or back to in_progress (return, with the reason: the province). Accepted is final.
"""

from __future__ import annotations

from dataclasses import dataclass

from evaluation.codes import RectificationAction as A
from evaluation.codes import RectificationStatus as S

COUNTY = "county"
PROVINCE = "province"


@dataclass(frozen=True)
class Transition:
    target: S
    tier: str
    # The step needs a note: what was done (submit), why it is returned (return).
    needs_note: bool = False


TRANSITIONS: dict[tuple[S, A], Transition] = {
    (S.OPEN, A.START): Transition(S.IN_PROGRESS, COUNTY),
    (S.IN_PROGRESS, A.SUBMIT): Transition(S.SUBMITTED, COUNTY, needs_note=True),
    (S.SUBMITTED, A.ACCEPT): Transition(S.ACCEPTED, PROVINCE),
    (S.SUBMITTED, A.RETURN): Transition(S.IN_PROGRESS, PROVINCE, needs_note=True),
}
# The tier that takes each action, whatever the status (checked before the task is looked for).
TIER_OF: dict[A, str] = {action: transition.tier for (_, action), transition in TRANSITIONS.items()}
# Not yet done: a task in one of these past its deadline is overdue.
OPEN: frozenset[S] = frozenset({S.OPEN, S.IN_PROGRESS, S.SUBMITTED})


def transition(current: S, action: A) -> Transition | None:
    return TRANSITIONS.get((current, action))


def actions_from(current: S) -> list[A]:
    return [action for (status, action) in TRANSITIONS if status == current]
