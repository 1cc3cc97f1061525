"""Dependencies of the admin routes: a verified admin and its unit of work."""

from __future__ import annotations

import functools
from typing import Annotated

from fastapi import Depends, Query, Request

from fupin_gateway.admin import division_check
from fupin_gateway.admin.service import ADMIN_ROLE, AdminContext
from fupin_gateway.identity.blocklist import Blocklist
from fupin_kit.auth.actor import Actor, require_role, require_tier
from fupin_kit.auth.dependencies import CurrentActor
from fupin_kit.db import DbSession
from fupin_kit.problems import forbidden


async def admin_actor(actor: CurrentActor) -> Actor:
    require_role(actor, ADMIN_ROLE)
    if actor.kind != "user":
        raise forbidden("only people administer accounts")
    return actor


async def senior_admin(actor: Annotated[Actor, Depends(admin_actor)]) -> Actor:
    """Platform-wide operations (key rotation, audit verification) belong to the nation and provinces."""
    require_tier(actor, "nation", "province")
    return actor


async def admin_context(
    request: Request, actor: Annotated[Actor, Depends(admin_actor)], session: DbSession
) -> AdminContext:
    blocklist: Blocklist = request.app.state.blocklist
    return AdminContext(
        session=session,
        actor=actor,
        blocklist=blocklist,
        division_known=functools.partial(division_check.division_known, request),
        sealer=request.app.state.idempotency_sealer,
    )


Admin = Annotated[AdminContext, Depends(admin_context)]
SeniorAdmin = Annotated[Actor, Depends(senior_admin)]
After = Annotated[
    str | None, Query(max_length=64, description="Keyset cursor: the last name of the previous page")
]
Limit = Annotated[int, Query(ge=1, le=500)]
