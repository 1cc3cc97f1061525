"""Events the standards aggregate publishes."""

from __future__ import annotations

from typing import Any

from fupin_contracts import registry as contracts
from fupin_kit.auth.actor import Actor
from fupin_kit.envelope import Envelope, new_event
from fupin_kit.pii import mask_text

SERVICE = "registry"
STANDARD_SET = contracts.STANDARD_SET


def standard_set(row: dict[str, Any], supersedes: int | None, actor: Actor) -> Envelope:
    return new_event(
        service=SERVICE,
        type=STANDARD_SET,
        aggregate="standard",
        aggregate_id=str(row["id"]),
        division=row["region"],
        data=contracts.StandardSetV1(
            id=row["id"],
            kind=row["kind"],
            year=row["year"],
            region=row["region"],
            amount=row["amount"],
            valid_from=row["valid_from"],
            set_by=row["set_by"],
            # The reason as typed stays on the row; an event reaches every consumer, where the contract
            # promises no full resident ID or phone number.
            reason=mask_text(row["reason"]),
            supersedes=supersedes,
        ).model_dump(mode="json"),
        actor_id=actor.subject,
        actor_tier=actor.tier,
    )
