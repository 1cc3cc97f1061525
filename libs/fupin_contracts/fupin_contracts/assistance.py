"""Events of the assistance service: named helpers (帮扶责任人) of households and resident teams (驻村工作队)
of villages.

A helper event's CloudEvents `division` is the household's village code and its subject is
`household/<household id>`, so one household's assignments stay in order (an ending before the assignment
that replaced it); a team event's division is the team's village and its subject `village/<code>`.
Payloads carry phone numbers masked (138****0000), as every event masks mobiles: the service keeps them in
full for the county and below. People's names are under the key `name` at any depth, which the feed policy
masks for any tier above the county that should ever receive them.
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict

HELPER_ASSIGNED = "fupin.assistance.helper.assigned.v1"
HELPER_ENDED = "fupin.assistance.helper.ended.v1"
TEAM_FORMED = "fupin.assistance.team.formed.v1"
TEAM_ENDED = "fupin.assistance.team.ended.v1"


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HelperAssignedV1(_Payload):
    """A household's named helper assigned, first or in place of another (`replaces`, whose
    helper.ended comes first)."""

    assignment_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    name: str
    unit: str
    # The tier of the helper's work unit: province | city | county | township | village.
    unit_tier: str
    # Masked: 138****0000.
    phone: str
    started_on: dt.date
    reason: str | None = None
    replaces: uuid.UUID | None = None


class HelperEndedV1(_Payload):
    """A helper's assignment ended: replaced by another (`replaced_by`) or ended without a successor."""

    assignment_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    ended_on: dt.date
    end_reason: str
    replaced_by: uuid.UUID | None = None


class TeamMemberV1(_Payload):
    name: str
    unit: str
    # Masked: 138****0000.
    phone: str


class TeamFormedV1(_Payload):
    """A village's resident team formed, first or in place of another (`replaces`, whose team.ended comes
    first)."""

    team_id: uuid.UUID
    division: str
    first_secretary: TeamMemberV1
    members: list[TeamMemberV1]
    # The tier of the unit that sent the team: province | city | county | township | village.
    sent_by: str
    started_on: dt.date
    reason: str | None = None
    replaces: uuid.UUID | None = None


class TeamEndedV1(_Payload):
    team_id: uuid.UUID
    division: str
    ended_on: dt.date
    end_reason: str
    replaced_by: uuid.UUID | None = None


PAYLOADS: dict[str, type[BaseModel]] = {
    HELPER_ASSIGNED: HelperAssignedV1,
    HELPER_ENDED: HelperEndedV1,
    TEAM_FORMED: TeamFormedV1,
    TEAM_ENDED: TeamEndedV1,
}
