"""The exit procedures of a poor village (贫困村退出) and a poor county (贫困县摘帽) as one pure transition
table, like identification/workflow.py for the household cases.

(level, state, action) → Transition(target, tiers, roles). The tiers are those of the division's
governments, named relative to the division: `city` is the government above the county, which for a county
of a statistical grouping (省直辖县级行政区划, 市辖区) or for a city without counties is the province
(`acting_tiers`). `PROPOSER` is the tier that proposed the procedure. Every (level, state, action) absent
from the table is an out-of-order action (409). Nothing here touches the database, the clock or the
request.

Village: proposed (township or county) → county_reviewed (county, review) → noticed (county, open_notice)
    → exited (county, approve, once the notice has ended)
County:  proposed (county) → city_checked (city, check) → province_verified (province, verify: the latest
    closed third-party evaluation of the county and year passed, every sampled household surveyed)
    → noticed (province, open_notice) → exited (province, approve, once the notice has ended and while the
    latest closed evaluation of the county and year still lets it exit, as at the verification)
Any open state: reject (with a reason) by the tier whose step is next; before the notice opens, withdraw by
the proposing tier. A rejected or withdrawn procedure puts the division back on the list as designated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from fupin_contracts import evaluation as evaluation_contracts
from fupin_kit import divisions, pii
from identification import settings_rules


class Level(StrEnum):
    VILLAGE = "village"
    COUNTY = "county"


class State(StrEnum):
    PROPOSED = "proposed"
    COUNTY_REVIEWED = "county_reviewed"
    CITY_CHECKED = "city_checked"
    PROVINCE_VERIFIED = "province_verified"
    NOTICED = "noticed"
    EXITED = "exited"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    PROPOSE = "propose"
    REVIEW = "review"
    CHECK = "check"
    VERIFY = "verify"
    OPEN_NOTICE = "open_notice"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"


# What a caller may send to POST /division-exits/{id}/actions/{action} (the proposal is its own route).
COMMANDS: tuple[Action, ...] = tuple(action for action in Action if action is not Action.PROPOSE)
PROPOSER = "proposer"
OFFICER = ("officer",)


@dataclass(frozen=True)
class Transition:
    target: State
    tiers: tuple[str, ...]
    roles: tuple[str, ...] = OFFICER


S, A, L = State, Action, Level
# Who may propose, by level: a village's township or its county; a county itself.
PROPOSERS: dict[Level, tuple[str, ...]] = {L.VILLAGE: ("township", "county"), L.COUNTY: ("county",)}

_FORWARD: dict[tuple[Level, State, Action], Transition] = {
    (L.VILLAGE, S.PROPOSED, A.REVIEW): Transition(S.COUNTY_REVIEWED, ("county",)),
    (L.VILLAGE, S.COUNTY_REVIEWED, A.OPEN_NOTICE): Transition(S.NOTICED, ("county",)),
    (L.VILLAGE, S.NOTICED, A.APPROVE): Transition(S.EXITED, ("county",)),
    (L.COUNTY, S.PROPOSED, A.CHECK): Transition(S.CITY_CHECKED, ("city",)),
    (L.COUNTY, S.CITY_CHECKED, A.VERIFY): Transition(S.PROVINCE_VERIFIED, ("province",)),
    (L.COUNTY, S.PROVINCE_VERIFIED, A.OPEN_NOTICE): Transition(S.NOTICED, ("province",)),
    (L.COUNTY, S.NOTICED, A.APPROVE): Transition(S.EXITED, ("province",)),
}
OPEN_STATES: dict[Level, tuple[State, ...]] = {
    L.VILLAGE: (S.PROPOSED, S.COUNTY_REVIEWED, S.NOTICED),
    L.COUNTY: (S.PROPOSED, S.CITY_CHECKED, S.PROVINCE_VERIFIED, S.NOTICED),
}
TERMINAL: frozenset[State] = frozenset({S.EXITED, S.REJECTED, S.WITHDRAWN})
# Withdrawal is the proposer's, until the notice puts the proposal before the public.
_WITHDRAWABLE = frozenset({S.PROPOSED, S.COUNTY_REVIEWED, S.CITY_CHECKED, S.PROVINCE_VERIFIED})


def _owner(level: Level, state: State) -> tuple[str, ...]:
    """The tiers of the forward step from `state`: who decides there, and so who may reject."""
    return next(step.tiers for (lvl, source, _), step in _FORWARD.items() if lvl is level and source is state)


TRANSITIONS: dict[tuple[Level, State, Action], Transition] = {
    **_FORWARD,
    **{
        (level, state, A.REJECT): Transition(S.REJECTED, _owner(level, state))
        for level, states in OPEN_STATES.items()
        for state in states
    },
    **{
        (level, state, A.WITHDRAW): Transition(S.WITHDRAWN, (PROPOSER,))
        for level, states in OPEN_STATES.items()
        for state in states
        if state in _WITHDRAWABLE
    },
}
# Steps that need a reason typed with them.
NEEDS_REASON: frozenset[Action] = frozenset({A.REJECT, A.WITHDRAW})


class OutOfOrder(ValueError):
    def __init__(self, state: State, action: Action) -> None:
        super().__init__(f"a procedure in state {state.value!r} cannot {action.value!r}")
        self.state = state
        self.action = action


def transition(level: Level, state: State, action: Action) -> Transition:
    try:
        return TRANSITIONS[(level, state, action)]
    except KeyError:
        raise OutOfOrder(state, action) from None


def allowed_actions(level: Level, state: State) -> list[Action]:
    return [action for (lvl, source, action) in TRANSITIONS if lvl is level and source is state]


# The digits of each level below the province: city, county, township, village.
_LOWER_PARTS = ((2, 4), (4, 6), (6, 9), (9, 12))


def code_problem(division: str) -> str | None:
    """Why a 12-digit code names no division, or None: its province part is none of the mainland's
    provinces (fupin_kit.pii.MAINLAND_PROVINCES, the provinces of the 2023 tree), or a level's digits are
    set under a level of zeros (520000000001: a village of no city, county or township). The one such gap
    of the tree is a city without counties, whose townships sit at county digits 00 (东莞 441900003000)."""
    divisions.validate(division)
    if division == divisions.NATION:
        return None
    if division[:2] not in pii.MAINLAND_PROVINCES:
        return f"{division} names no division: {division[:2]} is no province's code"
    countyless = division[:4].ljust(12, "0") in divisions.COUNTYLESS_CITIES
    gap = None
    for start, end in _LOWER_PARTS:
        zero = division[start:end].strip("0") == ""
        if zero and not (countyless and start == 4):
            gap = gap or (start, end)
        elif not zero and gap is not None:
            return f"{division} names no division: digits {start + 1}-{end} are set under a level of zeros"
    return None


def level_of(division: str) -> Level | None:
    """The exit unit a code is: a village, or a county (a city without counties counts as its county);
    None for anything else."""
    if division in divisions.COUNTYLESS_CITIES:
        return L.COUNTY
    found = divisions.level(division)
    if found == divisions.Level.VILLAGE:
        return L.VILLAGE
    if found == divisions.Level.COUNTY:
        return L.COUNTY
    return None


def acting_tiers(step_tiers: tuple[str, ...], division: str, proposer_tier: str | None) -> tuple[str, ...]:
    """The tiers a step's relative names stand for at `division`: `city` is the tier of the government
    above the county (the province for a county of a statistical grouping or a city without counties);
    PROPOSER the tier that proposed."""
    found: list[str] = []
    for tier in step_tiers:
        if tier == PROPOSER:
            if proposer_tier is not None:
                found.append(proposer_tier)
        elif tier == "city":
            above = divisions.government_parent(division)
            found.append("city" if above is None else divisions.TIER_NAMES[divisions.level(above)])
        else:
            found.append(tier)
    return tuple(found)


def permits(
    tiers: tuple[str, ...], roles: tuple[str, ...], held: frozenset[str], has: frozenset[str]
) -> bool:
    return not held.isdisjoint(tiers) and bool(has.intersection(roles))


# ---- pure guards -----------------------------------------------------------------------------------

# A notice runs at least seven days (the procedure's public notice); shorter only where the deployment
# allows short notices (a fraction of a day down to one second, as the case notices).
MIN_NOTICE_DAYS = Decimal(7)
MAX_NOTICE_DAYS = Decimal(60)
SHORTEST_NOTICE_DAYS = settings_rules.ONE_SECOND_IN_DAYS


def notice_running(ends_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the notice has not yet ended (or not yet been opened): no approval until it has."""
    return ends_at is None or now < ends_at


def notice_days_bounds(short_allowed: bool) -> tuple[Decimal, Decimal]:
    """The shortest and longest notice in days here."""
    return (SHORTEST_NOTICE_DAYS if short_allowed else MIN_NOTICE_DAYS), MAX_NOTICE_DAYS


def notice_days_problem(days: Decimal, short_allowed: bool) -> str | None:
    """Why a notice of `days` may not run here, naming the bounds in force, or None."""
    low, high = notice_days_bounds(short_allowed)
    if days.is_finite() and low <= days <= high:
        return None
    floor = "1 second (1/86400 day)" if short_allowed else f"{low} days"
    return f"a division exit notice runs at least {floor} and at most {high} days here, not {days}"


VETO_RATES = frozenset(evaluation_contracts.VETO_RATE_CODES)


def evaluation_passes(verdict: str, rate_verdicts: dict[str, str], unsurveyed_households: int | None) -> bool:
    """A closed evaluation counts for a county's exit: its verdict `pass`, each of the four veto rates
    passed, and no sampled household left unsurveyed (a partial round, closed with a reason, says nothing
    of the households it never reached). None, an event that did not report the figure (an evaluation
    service older than the field), counts as complete."""
    return (
        verdict == "pass"
        and all(rate_verdicts.get(code) == "pass" for code in VETO_RATES)
        and not unsurveyed_households
    )


def evaluation_refusal(evaluation: dict[str, Any] | None) -> str | None:
    """Why the latest closed evaluation of a county and year does not let it exit, or None: none closed,
    a partial survey, or a verdict or veto rate other than pass (`evaluation`: a row of the read model)."""
    if evaluation is None:
        return "none closed"
    unsurveyed = evaluation["unsurveyed_households"]
    if unsurveyed:
        return f"the latest, {evaluation['evaluation_id']}, was partial ({unsurveyed} households unsurveyed)"
    if not evaluation["passed"]:
        return f"the latest, {evaluation['evaluation_id']}, did not (verdict {evaluation['verdict']})"
    return None
