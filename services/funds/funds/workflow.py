"""The project library's lifecycle (domain.md §6) as one pure transition table.

(status, action) → Transition(target, tiers, roles); every pair absent from it is an out-of-order action
(409). Nothing here touches the database, the clock or the request: the service asks this module what may
happen and records what did.

    proposed → township_reviewed → county_approved → noticed → in_library → implementing → accepted
    → reimbursed → announced

A village cadre proposes for its village, a township or county officer for a place of its jurisdiction; the
township reviews; every later step is the county's (it approves projects and integrates the funds), its
officers' acts. Rejection, with a reason, is open at proposed, township_reviewed and county_approved, to the
tier owning the forward step there: once the notice is up the project is public and goes on or is adjusted
in the yearly review, not silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fupin_kit.auth.actor import tiers_phrase


class Status(StrEnum):
    PROPOSED = "proposed"
    TOWNSHIP_REVIEWED = "township_reviewed"
    COUNTY_APPROVED = "county_approved"
    NOTICED = "noticed"
    IN_LIBRARY = "in_library"
    IMPLEMENTING = "implementing"
    ACCEPTED = "accepted"
    REIMBURSED = "reimbursed"
    ANNOUNCED = "announced"
    REJECTED = "rejected"


class Action(StrEnum):
    TOWNSHIP_REVIEW = "township_review"
    COUNTY_APPROVE = "county_approve"
    POST_NOTICE = "post_notice"
    ENTER_LIBRARY = "enter_library"
    START = "start"
    ACCEPT = "accept"
    REIMBURSE = "reimburse"
    ANNOUNCE = "announce"
    REJECT = "reject"


@dataclass(frozen=True)
class Transition:
    target: Status
    tiers: tuple[str, ...]
    roles: tuple[str, ...]


S, A = Status, Action
Who = tuple[tuple[str, ...], tuple[str, ...]]
TOWNSHIP: Who = (("township",), ("officer",))
COUNTY: Who = (("county",), ("officer",))
# Who may propose a project, by tier: a village cadre for its village, an officer of a township or county
# for a place of its jurisdiction (a city without counties holds the county's powers: Actor.tiers_held).
PROPOSERS: dict[str, str] = {"village": "cadre", "township": "officer", "county": "officer"}


def _t(target: Status, who: Who) -> Transition:
    return Transition(target, who[0], who[1])


_FORWARD: dict[tuple[Status, Action], Transition] = {
    (S.PROPOSED, A.TOWNSHIP_REVIEW): _t(S.TOWNSHIP_REVIEWED, TOWNSHIP),
    (S.TOWNSHIP_REVIEWED, A.COUNTY_APPROVE): _t(S.COUNTY_APPROVED, COUNTY),
    (S.COUNTY_APPROVED, A.POST_NOTICE): _t(S.NOTICED, COUNTY),
    (S.NOTICED, A.ENTER_LIBRARY): _t(S.IN_LIBRARY, COUNTY),
    (S.IN_LIBRARY, A.START): _t(S.IMPLEMENTING, COUNTY),
    (S.IMPLEMENTING, A.ACCEPT): _t(S.ACCEPTED, COUNTY),
    (S.ACCEPTED, A.REIMBURSE): _t(S.REIMBURSED, COUNTY),
    (S.REIMBURSED, A.ANNOUNCE): _t(S.ANNOUNCED, COUNTY),
}
REJECTABLE: tuple[Status, ...] = (S.PROPOSED, S.TOWNSHIP_REVIEWED, S.COUNTY_APPROVED)


def _owner(status: Status) -> Transition:
    """The forward step at `status`: its tier and roles decide a rejection there."""
    steps = [step for (source, _action), step in _FORWARD.items() if source is status]
    if len(steps) != 1:
        raise ValueError(f"the status {status.value} has no single forward step")
    return steps[0]


TRANSITIONS: dict[tuple[Status, Action], Transition] = {
    **_FORWARD,
    **{
        (status, A.REJECT): Transition(S.REJECTED, _owner(status).tiers, _owner(status).roles)
        for status in REJECTABLE
    },
}
TERMINAL: frozenset[Status] = frozenset({S.ANNOUNCED, S.REJECTED})
# Statuses before the acceptance (验收): a reimbursement (报账) asked there is a payment before acceptance,
# one of the findings domain.md §6 names, and is refused as such rather than as a mere step out of order.
BEFORE_ACCEPTANCE: frozenset[Status] = frozenset(
    {S.PROPOSED, S.TOWNSHIP_REVIEWED, S.COUNTY_APPROVED, S.NOTICED, S.IN_LIBRARY, S.IMPLEMENTING}
)
# Steps whose body must say why (a rejection closes the project for good).
NEEDS_REASON: frozenset[Action] = frozenset({A.REJECT})
# The shortest public notice of a project (domain.md §6: at least 10 days), and the longest one accepted.
MIN_NOTICE_DAYS = 10
MAX_NOTICE_DAYS = 60


class OutOfOrder(ValueError):
    def __init__(self, status: Status, action: Action) -> None:
        super().__init__(f"a project in status {status.value!r} cannot {action.value!r}")
        self.status = status
        self.action = action


class NotPermitted(PermissionError):
    pass


def transition(status: Status, action: Action) -> Transition:
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise OutOfOrder(status, action) from None


def permits(step: Transition, tiers_held: frozenset[str], roles: frozenset[str]) -> bool:
    return not tiers_held.isdisjoint(step.tiers) and bool(roles.intersection(step.roles))


def check_permission(step: Transition, tiers_held: frozenset[str], roles: frozenset[str]) -> None:
    if tiers_held.isdisjoint(step.tiers):
        raise NotPermitted(f"only {tiers_phrase(step.tiers)} may do this")
    if not roles.intersection(step.roles):
        raise NotPermitted(f"requires one of the roles: {', '.join(step.roles)}")


def allowed_actions(status: Status) -> list[Action]:
    return [action for (source, action) in TRANSITIONS if source is status]


def may_propose(tiers_held: frozenset[str], roles: frozenset[str]) -> bool:
    return any(PROPOSERS.get(tier) in roles for tier in tiers_held)


def payment_before_acceptance(status: Status, action: Action) -> bool:
    return action is A.REIMBURSE and status in BEFORE_ACCEPTANCE


# What a project draws on an allocation counts against it once the county approved the project (the county
# decides projects), until a rejection; it is in use once the project is implementing, and paid out once
# reimbursed (报账). Idle funds (资金滞留) are what is neither passed down nor in use by the deadline.
COMMITTED: frozenset[Status] = frozenset(
    {
        Status.COUNTY_APPROVED,
        Status.NOTICED,
        Status.IN_LIBRARY,
        Status.IMPLEMENTING,
        Status.ACCEPTED,
        Status.REIMBURSED,
        Status.ANNOUNCED,
    }
)
IN_USE: frozenset[Status] = frozenset(
    {Status.IMPLEMENTING, Status.ACCEPTED, Status.REIMBURSED, Status.ANNOUNCED}
)
PAID: frozenset[Status] = frozenset({Status.REIMBURSED, Status.ANNOUNCED})
