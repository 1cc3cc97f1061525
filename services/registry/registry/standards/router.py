"""Poverty and monitoring lines by (year, region): the effective one, its history, and setting one."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from fupin_contracts.standards import applicable_regions
from fupin_kit import divisions as codes
from fupin_kit import idempotency
from fupin_kit import openapi_scope as scope
from fupin_kit.auth.actor import Actor, require_role, require_tier, require_within
from fupin_kit.auth.dependencies import CurrentActor
from fupin_kit.db import DbSession
from fupin_kit.idempotency import IdempotencyKey
from fupin_kit.outbox import record_change
from fupin_kit.problems import not_found, unprocessable
from registry import matrix_examples as examples
from registry import patterns
from registry.divisions import repository as divisions
from registry.models import idempotency_keys
from registry.standards import events, repository, service
from registry.standards.schemas import (
    EffectiveStandard,
    Kind,
    StandardHistory,
    StandardHistoryItem,
    StandardIn,
    StandardOut,
)

router = APIRouter(prefix="/standards", tags=["standards"])
DivisionQuery = Annotated[str, Query(pattern=patterns.DIVISION_CODE)]
# The nation sets its own line of each new year (fupin_contracts.standards); below it, the governments
# that may raise it.
_LEVELS_WITH_LINES = (codes.Level.NATION, codes.Level.PROVINCE, codes.Level.CITY, codes.Level.COUNTY)


@router.get("/effective", openapi_extra=scope.by_division(level="county"))
async def effective_standard(
    actor: CurrentActor,
    session: DbSession,
    division: DivisionQuery,
    year: Annotated[int, Query(ge=2000, le=2100)],
    kind: Kind,
) -> EffectiveStandard:
    lo, hi = actor.subtree
    if not await divisions.visible(session, division, lo, hi):
        raise not_found("division")
    row = await repository.effective(session, kind, year, applicable_regions(division))
    if row is None:
        raise not_found("standard")
    return EffectiveStandard(
        division=division,
        kind=kind,
        year=year,
        standard_id=row["id"],
        amount=row["amount"],
        carried_forward=row["year"] != year,
        standard=StandardOut.from_row(row),
    )


@router.get("/history", openapi_extra=scope.by_division(level="county"))
async def standard_history(
    actor: CurrentActor, session: DbSession, division: DivisionQuery, kind: Kind | None = None
) -> StandardHistory:
    lo, hi = actor.subtree
    if not await divisions.visible(session, division, lo, hi):
        raise not_found("division")
    rows = await repository.history(session, kind, applicable_regions(division))
    return StandardHistory(division=division, items=[StandardHistoryItem.from_history_row(r) for r in rows])


@router.post(
    "",
    status_code=201,
    response_model=StandardOut,
    openapi_extra=scope.by_division("region", "body", "county", example=examples.STANDARD),
)
async def set_standard(
    body: StandardIn, actor: CurrentActor, session: DbSession, key: IdempotencyKey = None
) -> Response:
    return await idempotency.run(
        idempotency_keys, session, actor, key, ("set-standard", body), lambda: _set(body, actor, session), 201
    )


async def _set(body: StandardIn, actor: Actor, session: AsyncSession) -> StandardOut:
    # Jurisdiction first: a caller outside the region learns nothing, not even which tier may act (403).
    # The nation, a province, a city or a county sets the lines of its own region and of the regions below
    # it that carry one (a city its counties', as a province its cities' and counties', the nation those of
    # every region): the tier above a county could set its line before cities had lines, and a city is now
    # that tier. Without the nation, no national line of a year after the seeds could ever be set (QA9-F2).
    require_within(actor, body.region, "division")
    require_tier(actor, "nation", "province", "city", "county")
    require_role(actor, "officer", "admin")
    await _check_region_carries_a_line(session, actor, body.region)
    if body.year > service.latest_year():
        raise unprocessable(
            f"a standard is set for {service.latest_year()} at the latest (announced a year ahead at most)"
        )
    # Held until the row is committed, so the check below reads every standard set before it.
    await repository.lock_standards(session)
    await service.check_amount(session, body.kind, body.year, body.region, body.amount)
    supersedes = await repository.current_id(session, body.kind, body.year, body.region)
    row = await repository.add(
        session,
        kind=body.kind,
        year=body.year,
        region=body.region,
        amount=body.amount,
        set_by=actor.subject,
        reason=body.reason,
        valid_from=body.valid_from or dt.date(body.year, 1, 1),
    )
    out = StandardOut.from_row(row)
    await record_change(session, events.standard_set(row, supersedes, actor))
    return out


async def _check_region_carries_a_line(session: AsyncSession, actor: Actor, region: str) -> None:
    """A line is set for the nation, a province, a city (地级市/州, a county-less one such as 东莞 included)
    or a county of the real tree; not for a statistical grouping (市辖区, 省直辖县级行政区划), which has no government
    to set one, nor for a township or village."""
    lo, hi = actor.subtree
    node = await divisions.get_node(session, region, lo, hi)
    if node is None:
        raise not_found("division")
    if codes.level(region) not in _LEVELS_WITH_LINES:
        raise unprocessable("a standard is set for the nation, a province, a city or a county")
    if node["placeholder"]:
        raise unprocessable(
            f"{region} ({node['name']}) is a statistical grouping, not a government: a standard is set for "
            "its province or for the divisions it groups",
            code="statistical-grouping",
        )
