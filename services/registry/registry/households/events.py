"""Event builders: contract payload → CloudEvents envelope, always with the household's village code as
the division and `household/<id>` as the subject (one partition key per household)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel

from fupin_contracts import registry as contracts
from fupin_kit.auth.actor import Actor
from fupin_kit.envelope import Envelope, new_event

SERVICE = "registry"
AGGREGATE = "household"


def household_event(
    event_type: str,
    household_id: uuid.UUID,
    division: str,
    payload: BaseModel,
    actor: Actor,
) -> Envelope:
    """A change made in reaction to an event (an identification decision) names it as its cause: new_event
    takes the cause from the consumer applying it (fupin_kit.request_context.caused_by)."""
    expected = contracts.PAYLOADS[event_type]
    assert isinstance(payload, expected), f"{event_type} carries {expected.__name__}"
    return new_event(
        service=SERVICE,
        type=event_type,
        aggregate=AGGREGATE,
        aggregate_id=str(household_id),
        division=division,
        data=payload.model_dump(mode="json"),
        actor_id=actor.subject,
        actor_tier=actor.tier,
    )


def member_summary(member: dict[str, Any], person_index: bytes | None = None) -> contracts.MemberSummaryV1:
    """From a member snapshot (see service.member_snapshot): masked ID only, plus the blind index."""
    return contracts.MemberSummaryV1(
        member_id=member["id"],
        name=member["name"],
        sex=member["sex"],
        id_kind=member["id_kind"],
        resident_id_masked=member["id_masked"],
        relation=member["relation"],
        health=member["health"],
        labour_capacity=member["labour_capacity"],
        status=member["status"],
        resident_id_index=person_index.hex() if person_index else None,
    )
