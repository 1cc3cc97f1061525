"""The household status lifecycle as a pure transition table: (state, action) → state.

candidate → registered → exited; registered/exited → returned; a returned household can exit again;
any state → monitored. Nothing here touches the database or the clock.
"""

from __future__ import annotations

from enum import StrEnum

from registry.households.enums import HouseholdStatus as S


class StatusAction(StrEnum):
    REGISTER = "register"
    EXIT = "exit"
    RETURN = "return"
    MONITOR = "monitor"


A = StatusAction

TRANSITIONS: dict[tuple[S, StatusAction], S] = {
    (S.CANDIDATE, A.REGISTER): S.REGISTERED,
    (S.REGISTERED, A.EXIT): S.EXITED,
    (S.RETURNED, A.EXIT): S.EXITED,
    (S.REGISTERED, A.RETURN): S.RETURNED,
    (S.EXITED, A.RETURN): S.RETURNED,
    **{(state, A.MONITOR): S.MONITORED for state in S if state is not S.MONITORED},
}


class InvalidTransition(ValueError):
    def __init__(self, state: S, action: StatusAction) -> None:
        super().__init__(f"a household in state {state.value!r} cannot {action.value!r}")
        self.state = state
        self.action = action


def next_status(state: S, action: StatusAction) -> S:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise InvalidTransition(state, action) from None


def allowed_actions(state: S) -> list[StatusAction]:
    return [action for (source, action) in TRANSITIONS if source is state]
