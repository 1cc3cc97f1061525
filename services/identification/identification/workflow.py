"""The identification, exit and monitoring procedures as one pure transition table.

(state, action) → Transition(target, tiers, roles). State names are unique across the three case kinds,
so one table serves all of them and every (state, action) pair absent from it is an out-of-order action
(409). Nothing here touches the database, the clock or the request: the service layer asks this module
what may happen and records what did.

Identification (两评议两公示一比对一公告):
    applied → verified → village_reviewed → first_notice → first_noticed → township_reviewed → compared
    → second_notice → second_noticed → county_approved → announced → registered
Exit (退出): exit_proposed → exit_verified → exit_confirmed → exit_notice → exit_noticed → exit_announced
    → exited
    An announcement the registry refuses (household.decision_refused: the household's status was changed
    by hand meanwhile, or it is unknown) moves the case to registry_refused / exit_registry_refused (the
    platform's step, the registry's reason in the history); once the file is corrected the county officer
    retries, which announces the decision again (announced / exit_announced) for the registry to apply.
Monitoring (防止返贫监测, nine steps): monitor_warned → monitor_visited → monitor_authorised
    → monitor_compared → monitor_village_reviewed → monitor_notice → monitor_noticed
    → monitor_township_reviewed → monitored (county decision; help starts) → monitor_cleared
    Any open monitoring case → monitor_ended when the registry registers the household as poor (or records
    its return to poverty): it is then helped as a poor household, not monitored (the platform's step).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum

from fupin_kit.auth.actor import tiers_phrase


class Kind(StrEnum):
    IDENTIFICATION = "identification"
    EXIT = "exit"
    MONITORING = "monitoring"


class State(StrEnum):
    APPLIED = "applied"
    VERIFIED = "verified"
    VILLAGE_REVIEWED = "village_reviewed"
    FIRST_NOTICE = "first_notice"
    FIRST_NOTICED = "first_noticed"
    TOWNSHIP_REVIEWED = "township_reviewed"
    COMPARED = "compared"
    SECOND_NOTICE = "second_notice"
    SECOND_NOTICED = "second_noticed"
    COUNTY_APPROVED = "county_approved"
    ANNOUNCED = "announced"
    # The registry refused the announced registration (household.decision_refused); retried by the county.
    REGISTRY_REFUSED = "registry_refused"
    REGISTERED = "registered"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    EXIT_PROPOSED = "exit_proposed"
    EXIT_VERIFIED = "exit_verified"
    EXIT_CONFIRMED = "exit_confirmed"
    EXIT_NOTICE = "exit_notice"
    EXIT_NOTICED = "exit_noticed"
    EXIT_ANNOUNCED = "exit_announced"
    # The registry refused the announced exit; retried by the county. (State names are unique across the
    # kinds, so the table gives each refused state its own way back.)
    EXIT_REGISTRY_REFUSED = "exit_registry_refused"
    EXITED = "exited"

    MONITOR_WARNED = "monitor_warned"
    MONITOR_VISITED = "monitor_visited"
    MONITOR_AUTHORISED = "monitor_authorised"
    MONITOR_COMPARED = "monitor_compared"
    MONITOR_VILLAGE_REVIEWED = "monitor_village_reviewed"
    MONITOR_NOTICE = "monitor_notice"
    MONITOR_NOTICED = "monitor_noticed"
    MONITOR_TOWNSHIP_REVIEWED = "monitor_township_reviewed"
    MONITORED = "monitored"
    MONITOR_CLEARED = "monitor_cleared"
    # Ended because the household was registered (or returned) as poor: not a risk clearance.
    MONITOR_ENDED = "monitor_ended"


class Action(StrEnum):
    VERIFY = "verify"
    VILLAGE_REVIEW = "village_review"
    OPEN_NOTICE = "open_notice"
    CLOSE_NOTICE = "close_notice"
    UPHOLD_OBJECTION = "uphold_objection"
    TOWNSHIP_REVIEW = "township_review"
    COMPLETE_COMPARISON = "complete_comparison"
    COUNTY_APPROVE = "county_approve"
    ANNOUNCE = "announce"
    REGISTER = "register"
    # The registry refused an announced decision (platform), and the county's retry of it (announce again).
    REGISTRY_REFUSE = "registry_refuse"
    RETRY = "retry"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    # exit
    EXIT_VERIFY = "exit_verify"
    HOUSEHOLD_CONFIRM = "household_confirm"
    EXIT_ANNOUNCE = "exit_announce"
    MARK_EXITED = "mark_exited"
    # monitoring
    VISIT = "visit"
    AUTHORISE = "authorise"
    COMPARE = "compare"
    COUNTY_DECIDE = "county_decide"
    CLEAR_RISK = "clear_risk"
    END_MONITORING = "end_monitoring"


@dataclass(frozen=True)
class Transition:
    target: State
    tiers: tuple[str, ...]
    roles: tuple[str, ...]


S, A = State, Action
VILLAGE = (("village",), ("cadre",))
TOWNSHIP = (("township",), ("officer",))
COUNTY = (("county",), ("officer",))
# Performed by the platform itself (a notice timer, an event from the registry), never through the API.
SYSTEM = (("system",), ("system",))

INITIAL: dict[Kind, State] = {
    Kind.IDENTIFICATION: S.APPLIED,
    Kind.EXIT: S.EXIT_PROPOSED,
    Kind.MONITORING: S.MONITOR_WARNED,
}
# Opening a case (application, exit proposal, monitoring warning) is a village cadre's act; a warning may
# also come from a department push (system).
OPEN_REQUIREMENT = VILLAGE


def _t(target: State, who: tuple[tuple[str, ...], tuple[str, ...]]) -> Transition:
    return Transition(target, who[0], who[1])


_MAIN: dict[tuple[State, Action], Transition] = {
    # identification
    (S.APPLIED, A.VERIFY): _t(S.VERIFIED, VILLAGE),
    (S.VERIFIED, A.VILLAGE_REVIEW): _t(S.VILLAGE_REVIEWED, VILLAGE),
    (S.VILLAGE_REVIEWED, A.OPEN_NOTICE): _t(S.FIRST_NOTICE, TOWNSHIP),
    (S.FIRST_NOTICE, A.CLOSE_NOTICE): _t(S.FIRST_NOTICED, SYSTEM),
    (S.FIRST_NOTICE, A.UPHOLD_OBJECTION): _t(S.APPLIED, TOWNSHIP),
    (S.FIRST_NOTICED, A.TOWNSHIP_REVIEW): _t(S.TOWNSHIP_REVIEWED, TOWNSHIP),
    (S.TOWNSHIP_REVIEWED, A.COMPLETE_COMPARISON): _t(S.COMPARED, COUNTY),
    (S.COMPARED, A.OPEN_NOTICE): _t(S.SECOND_NOTICE, TOWNSHIP),
    (S.SECOND_NOTICE, A.CLOSE_NOTICE): _t(S.SECOND_NOTICED, SYSTEM),
    (S.SECOND_NOTICE, A.UPHOLD_OBJECTION): _t(S.APPLIED, TOWNSHIP),
    (S.SECOND_NOTICED, A.COUNTY_APPROVE): _t(S.COUNTY_APPROVED, COUNTY),
    (S.COUNTY_APPROVED, A.ANNOUNCE): _t(S.ANNOUNCED, COUNTY),
    (S.ANNOUNCED, A.REGISTER): _t(S.REGISTERED, SYSTEM),
    (S.ANNOUNCED, A.REGISTRY_REFUSE): _t(S.REGISTRY_REFUSED, SYSTEM),
    (S.REGISTRY_REFUSED, A.RETRY): _t(S.ANNOUNCED, COUNTY),
    # exit
    (S.EXIT_PROPOSED, A.EXIT_VERIFY): _t(S.EXIT_VERIFIED, VILLAGE),
    (S.EXIT_VERIFIED, A.HOUSEHOLD_CONFIRM): _t(S.EXIT_CONFIRMED, VILLAGE),
    (S.EXIT_CONFIRMED, A.OPEN_NOTICE): _t(S.EXIT_NOTICE, TOWNSHIP),
    (S.EXIT_NOTICE, A.CLOSE_NOTICE): _t(S.EXIT_NOTICED, SYSTEM),
    (S.EXIT_NOTICE, A.UPHOLD_OBJECTION): _t(S.EXIT_PROPOSED, TOWNSHIP),
    (S.EXIT_NOTICED, A.EXIT_ANNOUNCE): _t(S.EXIT_ANNOUNCED, COUNTY),
    (S.EXIT_ANNOUNCED, A.MARK_EXITED): _t(S.EXITED, SYSTEM),
    (S.EXIT_ANNOUNCED, A.REGISTRY_REFUSE): _t(S.EXIT_REGISTRY_REFUSED, SYSTEM),
    (S.EXIT_REGISTRY_REFUSED, A.RETRY): _t(S.EXIT_ANNOUNCED, COUNTY),
    # monitoring
    (S.MONITOR_WARNED, A.VISIT): _t(S.MONITOR_VISITED, VILLAGE),
    (S.MONITOR_VISITED, A.AUTHORISE): _t(S.MONITOR_AUTHORISED, VILLAGE),
    (S.MONITOR_AUTHORISED, A.COMPARE): _t(S.MONITOR_COMPARED, COUNTY),
    (S.MONITOR_COMPARED, A.VILLAGE_REVIEW): _t(S.MONITOR_VILLAGE_REVIEWED, VILLAGE),
    (S.MONITOR_VILLAGE_REVIEWED, A.OPEN_NOTICE): _t(S.MONITOR_NOTICE, TOWNSHIP),
    (S.MONITOR_NOTICE, A.CLOSE_NOTICE): _t(S.MONITOR_NOTICED, SYSTEM),
    (S.MONITOR_NOTICE, A.UPHOLD_OBJECTION): _t(S.MONITOR_WARNED, TOWNSHIP),
    (S.MONITOR_NOTICED, A.TOWNSHIP_REVIEW): _t(S.MONITOR_TOWNSHIP_REVIEWED, TOWNSHIP),
    (S.MONITOR_TOWNSHIP_REVIEWED, A.COUNTY_DECIDE): _t(S.MONITORED, COUNTY),
    (S.MONITORED, A.CLEAR_RISK): _t(S.MONITOR_CLEARED, COUNTY),
}

KIND_STATES: dict[Kind, tuple[State, ...]] = {
    Kind.IDENTIFICATION: (
        S.APPLIED,
        S.VERIFIED,
        S.VILLAGE_REVIEWED,
        S.FIRST_NOTICE,
        S.FIRST_NOTICED,
        S.TOWNSHIP_REVIEWED,
        S.COMPARED,
        S.SECOND_NOTICE,
        S.SECOND_NOTICED,
        S.COUNTY_APPROVED,
        S.ANNOUNCED,
        S.REGISTRY_REFUSED,
        S.REGISTERED,
    ),
    Kind.EXIT: (
        S.EXIT_PROPOSED,
        S.EXIT_VERIFIED,
        S.EXIT_CONFIRMED,
        S.EXIT_NOTICE,
        S.EXIT_NOTICED,
        S.EXIT_ANNOUNCED,
        S.EXIT_REGISTRY_REFUSED,
        S.EXITED,
    ),
    Kind.MONITORING: (
        S.MONITOR_WARNED,
        S.MONITOR_VISITED,
        S.MONITOR_AUTHORISED,
        S.MONITOR_COMPARED,
        S.MONITOR_VILLAGE_REVIEWED,
        S.MONITOR_NOTICE,
        S.MONITOR_NOTICED,
        S.MONITOR_TOWNSHIP_REVIEWED,
        S.MONITORED,
        S.MONITOR_CLEARED,
        S.MONITOR_ENDED,
    ),
}
TERMINAL: frozenset[State] = frozenset(
    {S.REGISTERED, S.REJECTED, S.WITHDRAWN, S.EXITED, S.MONITOR_CLEARED, S.MONITOR_ENDED}
)
# After an announcement the decision is public; only the registry's confirmation (or refusal) can follow,
# and after a refusal only the county's retry of the announcement.
_FINAL_STEPS: frozenset[State] = frozenset(
    {S.ANNOUNCED, S.REGISTRY_REFUSED, S.EXIT_ANNOUNCED, S.EXIT_REGISTRY_REFUSED, S.MONITORED}
)

# Rejection is the reviewing tier's decision at its own step; withdrawal is the household's (recorded by
# the village cadre) at any time before the decision is public.
_REJECTABLE: tuple[State, ...] = tuple(
    state
    for states in KIND_STATES.values()
    for state in states
    if state not in TERMINAL and state not in _FINAL_STEPS
)


def _owner(state: State) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Who decides at `state`: the tier and roles of its forward step. A notice closes by the platform's
    timer, so its step belongs to the township that opened it and resolves its objections."""
    owners = {
        (step.tiers, step.roles)
        for (source, _action), step in _MAIN.items()
        if source is state and step.tiers != SYSTEM[0]
    }
    if len(owners) != 1:
        raise ValueError(f"the step at {state.value} has no single owner: {owners}")
    return next(iter(owners))


# A household registered as poor (or returned to poverty) by the registry is helped as a poor household:
# its open monitoring case ends, by the platform, at whatever step it is (domain.md §4: a monitored
# household can become poor), so that no later risk clearance contradicts the registry.
MONITORING_OPEN: tuple[State, ...] = tuple(
    state for state in KIND_STATES[Kind.MONITORING] if state not in TERMINAL
)
_ENDED_AS_POOR: dict[tuple[State, Action], Transition] = {
    (state, A.END_MONITORING): _t(S.MONITOR_ENDED, SYSTEM) for state in MONITORING_OPEN
}

TRANSITIONS: dict[tuple[State, Action], Transition] = {
    **_MAIN,
    **_ENDED_AS_POOR,
    **{(state, A.REJECT): _t(S.REJECTED, _owner(state)) for state in _REJECTABLE},
    **{(state, A.WITHDRAW): _t(S.WITHDRAWN, VILLAGE) for state in _REJECTABLE},
}

NOTICE_STATES: frozenset[State] = frozenset(
    {S.FIRST_NOTICE, S.SECOND_NOTICE, S.EXIT_NOTICE, S.MONITOR_NOTICE}
)
# Steps at which a quota is consumed (规模控制): the village list and the county's approved list.
QUOTA_CHECKED: frozenset[tuple[State, Action]] = frozenset(
    {(S.VERIFIED, A.VILLAGE_REVIEW), (S.SECOND_NOTICED, A.COUNTY_APPROVE)}
)
# Minimum spot-check rates by step; a region may configure more, never less.
MIN_SPOT_CHECK: dict[Action, float] = {A.TOWNSHIP_REVIEW: 0.20, A.COUNTY_APPROVE: 0.10}
# Batch decisions are offered for the list-wide steps.
BATCH_ACTIONS: frozenset[Action] = frozenset({A.TOWNSHIP_REVIEW, A.COUNTY_APPROVE})
# 一比对: "a match blocks the case until it is resolved". A hit may arrive after the comparison step (a
# department pushes whenever its list changes), so every forward step from the comparison up to the
# public decision is refused while a blocking hit on the case is open, not only the comparison itself.
# The second notice is not in the set: a notice only invites scrutiny, and the county approval after it
# is refused. Registration is not either: it is the registry confirming an announcement already made.
BLOCKED_BY_OPEN_HIT: frozenset[tuple[State, Action]] = frozenset(
    {
        (S.TOWNSHIP_REVIEWED, A.COMPLETE_COMPARISON),
        (S.SECOND_NOTICED, A.COUNTY_APPROVE),
        (S.COUNTY_APPROVED, A.ANNOUNCE),
        (S.MONITOR_AUTHORISED, A.COMPARE),
        (S.MONITOR_TOWNSHIP_REVIEWED, A.COUNTY_DECIDE),
    }
)
# Forward steps towards registering (or monitoring) a household: refused while nobody lives in it any more
# (every member deceased or gone), as the registry refuses to register (or monitor) such a household by
# hand, and as opening an application or a monitoring case is refused. The monitoring's visit, authorisation
# and comparison stand for the identification's verification (VERIFY); its village review, township review
# and county decision are the steps both share. Rejecting or withdrawing the case stays open.
NEEDS_LIVING_MEMBERS: frozenset[Action] = frozenset(
    {
        A.VERIFY,
        A.VISIT,
        A.AUTHORISE,
        A.COMPARE,
        A.VILLAGE_REVIEW,
        A.TOWNSHIP_REVIEW,
        A.COMPLETE_COMPARISON,
        A.COUNTY_APPROVE,
        A.ANNOUNCE,
        A.COUNTY_DECIDE,
    }
)
# The registry's statuses of a household registered as poor (helped as a poor household).
POOR_STATUSES: tuple[str, ...] = ("registered", "returned")
# Forward steps of an identification, towards the registration its announcement asks of the registry:
# refused once the registry has the household as poor by another route (registered by the county itself,
# or returned), since the registry would refuse that registration and the case would wait for it forever.
# Rejecting or withdrawing the case stays open.
IDENTIFICATION_FORWARD: frozenset[Action] = frozenset(
    {
        A.VERIFY,
        A.VILLAGE_REVIEW,
        A.OPEN_NOTICE,
        A.TOWNSHIP_REVIEW,
        A.COMPLETE_COMPARISON,
        A.COUNTY_APPROVE,
        A.ANNOUNCE,
    }
)
# A confirmed exclusion hit ends a case that is still under review (REJECT); once the decision is public
# (announced, or refused by the registry and awaiting a retry) or done (registered) it can no longer be
# rejected, so it is flagged for 清退 review instead.
FLAGGED_AFTER_DECISION: frozenset[State] = frozenset({S.ANNOUNCED, S.REGISTRY_REFUSED, S.REGISTERED})
# The procedures with a comparison step (一比对) that exclusion lists are matched against. An exclusion (a
# car, a member on the payroll, ...) is evidence against poverty: it may stop a household from being
# registered or helped, never from leaving the list. A registered household on such a list is found
# through its registered identification case and flagged for 清退 review; its exit case is not compared.
EXCLUSION_COMPARED: frozenset[Kind] = frozenset({Kind.IDENTIFICATION, Kind.MONITORING})


class OutOfOrder(ValueError):
    def __init__(self, state: State, action: Action) -> None:
        super().__init__(f"a case in state {state.value!r} cannot {action.value!r}")
        self.state = state
        self.action = action


class NotPermitted(PermissionError):
    pass


def kind_of(state: State) -> Kind:
    for kind, states in KIND_STATES.items():
        if state in states:
            return kind
    raise ValueError(f"{state} belongs to every kind")  # rejected / withdrawn


def transition(state: State, action: Action) -> Transition:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise OutOfOrder(state, action) from None


def permits(step: Transition, tiers_held: frozenset[str], roles: frozenset[str]) -> bool:
    return not tiers_held.isdisjoint(step.tiers) and bool(roles.intersection(step.roles))


def check_permission(step: Transition, tiers_held: frozenset[str], roles: frozenset[str]) -> None:
    if tiers_held.isdisjoint(step.tiers):
        raise NotPermitted(f"only {tiers_phrase(step.tiers)} may do this")
    if not roles.intersection(step.roles):
        raise NotPermitted(f"requires one of the roles: {', '.join(step.roles)}")


def blocked_by_open_hit(state: State, action: Action) -> bool:
    return (state, action) in BLOCKED_BY_OPEN_HIT


def ends_on_confirmed_exclusion(state: State) -> bool:
    """Whether a confirmed exclusion hit rejects the case: one still under review, of a procedure that
    exclusion lists are compared with (an exit is never ended by one)."""
    return (state, A.REJECT) in TRANSITIONS and kind_of(state) in EXCLUSION_COMPARED


def allowed_actions(state: State) -> list[Action]:
    return [action for (source, action) in TRANSITIONS if source is state]


def sources_of(action: Action) -> list[State]:
    return [source for (source, candidate) in TRANSITIONS if candidate is action]


def is_active(state: State) -> bool:
    return state not in TERMINAL


# ---- pure guards the service applies beside the table -----------------------------------------------


def attendance_ok(representatives: int, present: int) -> bool:
    """民主评议: at least two thirds of the representatives present (integer arithmetic, no rounding)."""
    return representatives > 0 and 3 * present >= 2 * representatives


def vote_passes(present: int, votes_for: int, votes_against: int) -> bool:
    """A simple majority of those present."""
    return votes_for + votes_against <= present and 2 * votes_for > present


def spot_check_size(total: int, rate: float | Decimal) -> int:
    """At least `rate` of the list, rounded up, and at least one case of a non-empty list. In decimal
    arithmetic on the rate as written: 0.57 × 10,000 is 5,699.999… in binary floating point, which drew
    56,990 of 100,000 cases instead of 57,000."""
    if total <= 0:
        return 0
    exact = Decimal(str(rate)) * total
    return max(1, int(exact.to_integral_value(rounding=ROUND_CEILING)))
