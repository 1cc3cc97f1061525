"""The household status lifecycle as pure transition tables: (state, action) → state.

From domain.md §4 and how identification drives the registry (registry/handlers/identification_events.py):

- candidate → registered (identification announced) → exited (exit announced); an exited household that
  falls back into poverty returns (返贫): exited → returned, and a returned household can exit again.
  Only an exited household can return: a registered one has not left poverty to fall back into.
- Monitoring (防止返贫监测) is for households not registered as poor now: an exited but unstable household
  (脱贫不稳定户) or a never-registered one at risk (边缘易致贫户, 突发严重困难户, both 'candidate' here). So only
  candidate and exited households become monitored; identification refuses to monitor registered or
  returned ones for the same reason.
- A monitored household leaves monitoring by what it was before: its risk is cleared (风险消除) back to
  that status (exited, or candidate for a household never registered poor), or, if it becomes poor, an
  exited one returns (returned) and a never-registered one is registered. `MONITORED_EXITS` keys these
  by the status before monitoring, which the caller reads from the household's history.

Nothing here touches the database or the clock.
"""

from __future__ import annotations

from enum import StrEnum

from registry.households.enums import HouseholdStatus as S


class StatusAction(StrEnum):
    REGISTER = "register"
    EXIT = "exit"
    RETURN = "return"
    MONITOR = "monitor"
    CLEAR = "clear"


A = StatusAction

TRANSITIONS: dict[tuple[S, StatusAction], S] = {
    (S.CANDIDATE, A.REGISTER): S.REGISTERED,
    (S.REGISTERED, A.EXIT): S.EXITED,
    (S.RETURNED, A.EXIT): S.EXITED,
    (S.EXITED, A.RETURN): S.RETURNED,
    (S.CANDIDATE, A.MONITOR): S.MONITORED,
    (S.EXITED, A.MONITOR): S.MONITORED,
}

# (status before monitoring, action) → status, for a household in state 'monitored'. Clearing restores the
# status before monitoring; registered and returned appear only for files monitored before this table
# stopped monitoring poor households (their clearance, too, restores what they were).
MONITORED_EXITS: dict[tuple[S, StatusAction], S] = {
    **{(before, A.CLEAR): before for before in (S.CANDIDATE, S.EXITED, S.REGISTERED, S.RETURNED)},
    (S.CANDIDATE, A.REGISTER): S.REGISTERED,
    (S.EXITED, A.RETURN): S.RETURNED,
}


class InvalidTransition(ValueError):
    def __init__(self, state: S, action: StatusAction, before: S | None = None) -> None:
        was = f" (monitored from {before.value!r})" if before is not None else ""
        super().__init__(f"a household in state {state.value!r}{was} cannot {action.value!r}")
        self.state = state
        self.action = action


def next_status(state: S, action: StatusAction, before_monitoring: S | None = None) -> S:
    """`before_monitoring` is the status the household had when it became monitored; it matters only when
    `state` is monitored (without it nothing leaves monitoring)."""
    try:
        if state is S.MONITORED:
            if before_monitoring is None:
                raise KeyError(action)
            return MONITORED_EXITS[(before_monitoring, action)]
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise InvalidTransition(state, action, before_monitoring) from None


def allowed_actions(state: S, before_monitoring: S | None = None) -> list[StatusAction]:
    if state is S.MONITORED:
        return [action for (before, action) in MONITORED_EXITS if before is before_monitoring]
    return [action for (source, action) in TRANSITIONS if source is state]
