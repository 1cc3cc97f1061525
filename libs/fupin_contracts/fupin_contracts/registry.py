"""Events of the registry service: households (建档立卡) and their members.

Every event's CloudEvents `division` is the household's village code and its subject is
`household/<household id>`, so one household's events share a partition key and stay in order.
Payloads never carry a full resident ID: only the masked form (region + last four characters).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

HOUSEHOLD_CREATED = "fupin.registry.household.created.v1"
HOUSEHOLD_UPDATED = "fupin.registry.household.updated.v1"
HOUSEHOLD_REGISTERED = "fupin.registry.household.registered.v1"
HOUSEHOLD_EXITED = "fupin.registry.household.exited.v1"
HOUSEHOLD_RETURNED = "fupin.registry.household.returned.v1"
HOUSEHOLD_MONITORED = "fupin.registry.household.monitored.v1"
# Risk cleared (风险消除): a monitored household back to the status it had before monitoring (candidate or
# exited), whatever that is; not the exit or registration of a case.
HOUSEHOLD_MONITORING_CLEARED = "fupin.registry.household.monitoring_cleared.v1"
HOUSEHOLD_INCOME_RECORDED = "fupin.registry.household.income_recorded.v1"
# An identification decision (an identification or exit announcement) the registry did not apply: the
# household is unknown (404) or its status does not allow it (409: changed by hand meanwhile, or already
# what the case asked for). No status changes; identification reads it to settle the waiting case.
HOUSEHOLD_DECISION_REFUSED = "fupin.registry.household.decision_refused.v1"
MEMBER_ADDED = "fupin.registry.member.added.v1"
MEMBER_UPDATED = "fupin.registry.member.updated.v1"
MEMBER_REMOVED = "fupin.registry.member.removed.v1"
MEMBER_DECEASED = "fupin.registry.member.deceased.v1"
# A poverty or monitoring line set for (kind, year, region) (standards with history): a newer row for the
# same triple supersedes the older one, which stays. The line in force for a division is the highest of
# its chain's rows (each region's row of the year, or of its latest earlier year).
STANDARD_SET = "fupin.registry.standard.set.v1"

# Status after the change → event type.
STATUS_EVENT_TYPES: dict[str, str] = {
    "registered": HOUSEHOLD_REGISTERED,
    "exited": HOUSEHOLD_EXITED,
    "returned": HOUSEHOLD_RETURNED,
    "monitored": HOUSEHOLD_MONITORED,
}

MASKED_ID_PATTERN = r"^[0-9]{6}\*+[0-9X]{4}$"


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MemberSummaryV1(_Payload):
    member_id: uuid.UUID
    name: str
    sex: str
    id_kind: str
    resident_id_masked: str = Field(pattern=MASKED_ID_PATTERN)
    relation: str
    health: str
    labour_capacity: str
    status: str
    # Hex of the HMAC blind index of the person's resident ID (deployment-wide PII key), so consumers can
    # match department lists by person without ever seeing the number. Optional: added within v1.
    resident_id_index: str | None = None


class DivisionNameV1(_Payload):
    """One division of a household's place, as the registry's division tree names it."""

    code: str
    # Not `name`: the feeds mask every `name` key above the county as a person's; a place is no person.
    division_name: str
    # A statistical grouping rather than a place (市辖区, 省直辖县级行政区划, …直辖村级区划): a document
    # naming the village leaves it out of the path.
    placeholder: bool = False


class HouseholdCreatedV1(_Payload):
    household_id: uuid.UUID
    division: str
    village_group: str
    status: str
    identification_standard: str
    attribute: str
    main_cause: str
    other_causes: list[str]
    member_count: int
    members: list[MemberSummaryV1]
    # The household's village and every division above it, province first, village last, following the
    # tree's parent links, so consumers can name the village (public notices) without asking the registry:
    # services learn about each other from events. None when the registry's tree was not loaded.
    # Optional: added within v1. A household never changes village, so no later event carries it.
    place: list[DivisionNameV1] | None = None


class HouseholdUpdatedV1(_Payload):
    household_id: uuid.UUID
    division: str
    version: int
    changed: list[str]
    reason: str
    # The causes of poverty after the change (identification suggests support categories from them).
    # Optional: added within v1.
    main_cause: str | None = None
    other_causes: list[str] | None = None


class HouseholdStatusChangedV1(_Payload):
    """Payload of .registered / .exited / .returned / .monitored / .monitoring_cleared."""

    household_id: uuid.UUID
    division: str
    version: int
    from_status: str
    to_status: str
    reason: str
    # The day the decision was taken, when a county recorded one taken outside the platform (a file
    # registered before the platform existed); None when the change is the decision (the event's time).
    decided_on: dt.date | None = None
    # How the household came to notice (identification's code list `discovery`), on a change caused by a
    # monitoring case's decision (.monitored, .monitoring_cleared): the case's own. The feeds above the
    # county withhold it when a department's pushed list opened the warning (department_push), as they do
    # the case's own events. None on every other change. Optional: added within v1 (2026-11-28).
    discovery: str | None = None


class HouseholdDecisionRefusedV1(_Payload):
    """Payload of .decision_refused: the case whose decision was not applied, what it asked of the
    registry (`action`: register, exit), the decision's event type, the household's status now (None when
    the registry has no such household), and the problem the registry answered (its code and detail).
    The event names the decision as its causationid."""

    household_id: uuid.UUID
    division: str
    case_id: uuid.UUID
    action: str
    decision_type: str
    current_status: str | None
    problem_code: str
    detail: str
    # When identification announced the decision (its event's time) and when the registry refused it.
    decided_at: dt.datetime
    refused_at: dt.datetime


class HouseholdIncomeRecordedV1(_Payload):
    household_id: uuid.UUID
    division: str
    year: int
    net_income: Decimal
    member_count: int
    per_capita_net_income: Decimal


class MemberAddedV1(_Payload):
    household_id: uuid.UUID
    division: str
    change: str
    # The day the member is in the household from. A birth's, or any join within a year of the member's
    # birth (joined_in_infancy), is the child's birth date or close to it, the digits a masked ID number
    # hides: in the tier feeds above the county the day of every join is withheld, replaced by 1 January of
    # the year the join was recorded, and `effective_on_withheld` is true.
    effective_on: dt.date
    reason: str
    member: MemberSummaryV1
    member_count: int
    # Set (true) only by the tier feeds above the county, on such a join. Optional: added within v1.
    effective_on_withheld: bool | None = None
    # The member joins within a year of its birth (always so for a birth). Optional: added within v1.
    joined_in_infancy: bool | None = None


class MemberUpdatedV1(_Payload):
    household_id: uuid.UUID
    division: str
    member_id: uuid.UUID
    changed: list[str]
    reason: str
    # The member as it is after the change, so consumers keeping members (identification's read model:
    # health and labour capacity decide support categories and monitoring) need not call back. Optional:
    # added within v1.
    member: MemberSummaryV1 | None = None


class MemberLeftV1(_Payload):
    """Payload of .removed (marriage out, move out) and .deceased."""

    household_id: uuid.UUID
    division: str
    change: str
    effective_on: dt.date
    reason: str
    member: MemberSummaryV1
    member_count: int


class StandardSetV1(_Payload):
    """Payload of .standard.set: the row as stored; `supersedes` is the id of the row for the same
    (kind, year, region) it replaces, if any."""

    id: int
    kind: str
    year: int
    region: str
    amount: Decimal
    valid_from: dt.date
    set_by: str
    reason: str
    supersedes: int | None = None


PAYLOADS: dict[str, type[BaseModel]] = {
    HOUSEHOLD_CREATED: HouseholdCreatedV1,
    HOUSEHOLD_UPDATED: HouseholdUpdatedV1,
    HOUSEHOLD_REGISTERED: HouseholdStatusChangedV1,
    HOUSEHOLD_EXITED: HouseholdStatusChangedV1,
    HOUSEHOLD_RETURNED: HouseholdStatusChangedV1,
    HOUSEHOLD_MONITORED: HouseholdStatusChangedV1,
    HOUSEHOLD_MONITORING_CLEARED: HouseholdStatusChangedV1,
    HOUSEHOLD_INCOME_RECORDED: HouseholdIncomeRecordedV1,
    HOUSEHOLD_DECISION_REFUSED: HouseholdDecisionRefusedV1,
    MEMBER_ADDED: MemberAddedV1,
    MEMBER_UPDATED: MemberUpdatedV1,
    MEMBER_REMOVED: MemberLeftV1,
    MEMBER_DECEASED: MemberLeftV1,
    STANDARD_SET: StandardSetV1,
}
