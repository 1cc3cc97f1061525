"""Events the standards aggregate publishes."""

from __future__ import annotations

from typing import Any

from fupin_kit.auth.actor import Actor
from fupin_kit.envelope import Envelope, new_event

SERVICE = "registry"
STANDARD_SET = "fupin.registry.standard.set.v1"


def standard_set(row: dict[str, Any], supersedes: int | None, actor: Actor) -> Envelope:
    return new_event(
        service=SERVICE,
        type=STANDARD_SET,
        aggregate="standard",
        aggregate_id=str(row["id"]),
        division=row["region"],
        data={
            "id": row["id"],
            "kind": row["kind"],
            "year": row["year"],
            "region": row["region"],
            "amount": str(row["amount"]),
            "valid_from": row["valid_from"].isoformat(),
            "set_by": row["set_by"],
            "reason": row["reason"],
            "supersedes": supersedes,
        },
        actor_id=actor.subject,
        actor_tier=actor.tier,
    )
