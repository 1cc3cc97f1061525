"""`GET /whoami`: the caller as this process verified it. Every process serves it, so a departmental
system (or a test) can check that a token is accepted — or rejected — by each service, not only the gateway."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from fupin_kit import openapi_scope as scope
from fupin_kit.auth import client_scopes
from fupin_kit.auth.dependencies import CurrentActor

router = APIRouter(tags=["identity"])


class WhoAmI(BaseModel):
    subject: str
    tier: str
    division: str
    roles: list[str]
    kind: str
    # [lo, hi]; a list, not a tuple, since a tuple's OpenAPI 3.1 `prefixItems` rendering was an invalid
    # schema object to validators (schemathesis).
    subtree: list[str] = Field(min_length=2, max_length=2)


@router.get(
    "/whoami",
    summary="The verified caller (subject, tier, division, roles)",
    openapi_extra=scope.merge(scope.caller(), client_scopes.operation(client_scopes.ANY)),
)
async def whoami(actor: CurrentActor) -> WhoAmI:
    return WhoAmI(
        subject=actor.subject,
        tier=actor.tier,
        division=actor.division,
        roles=sorted(actor.roles),
        kind=actor.kind,
        subtree=list(actor.subtree),
    )
