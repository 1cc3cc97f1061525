"""The life of a measure (帮扶措施), pure: which status may follow which. planned → in_progress →
completed; planned or in_progress → cancelled. Completed and cancelled are final."""

from __future__ import annotations

from assistance.codes import MeasureStatus

PLANNED = MeasureStatus.PLANNED
IN_PROGRESS = MeasureStatus.IN_PROGRESS
COMPLETED = MeasureStatus.COMPLETED
CANCELLED = MeasureStatus.CANCELLED

TRANSITIONS: dict[MeasureStatus, frozenset[MeasureStatus]] = {
    PLANNED: frozenset({IN_PROGRESS, CANCELLED}),
    IN_PROGRESS: frozenset({COMPLETED, CANCELLED}),
    COMPLETED: frozenset(),
    CANCELLED: frozenset(),
}
# Still to be done: a measure in one of these past its deadline is overdue.
OPEN: frozenset[MeasureStatus] = frozenset({PLANNED, IN_PROGRESS})


def may_move(current: MeasureStatus, target: MeasureStatus) -> bool:
    return target in TRANSITIONS[current]


def next_statuses(current: MeasureStatus) -> list[MeasureStatus]:
    """What may follow `current`, in the order of the list (for a refusal to name)."""
    return [status for status in MeasureStatus if status in TRANSITIONS[current]]
