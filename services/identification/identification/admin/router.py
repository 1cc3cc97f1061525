"""Administration: the test clock (only with FUPIN_TEST_CLOCK=1, nation admins only) and region settings."""

from __future__ import annotations

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from fupin_kit import divisions
from fupin_kit import openapi_scope as scope
from fupin_kit.auth.actor import require_role, require_tier, require_within
from fupin_kit.problems import forbidden, not_found, unprocessable
from identification import clock, idempotency, regions, settings_rules
from identification.context import Context
from identification.deps import Ctx
from identification.idempotency import IdempotencyKey

router = APIRouter(tags=["administration"])
SETTING_TIERS = ("nation", "province", "city", "county")


class ClockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    advance_s: int = Field(ge=0, le=10 * 366 * 86400)


class ClockOut(BaseModel):
    now: str
    offset_s: int


class SettingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str = Field(min_length=1, max_length=200)


# The test clock's route is in an app only where it answers (FUPIN_TEST_CLOCK=1): elsewhere it is a 404 for
# everyone, and absent from the API document. Decided when the app is built (identification.main), not
# when this module is first imported: one process (a test run) builds apps with the clock on and off.
clock_router = APIRouter(tags=["administration"])


@clock_router.post(
    "/admin/clock",
    openapi_extra=scope.admin(tiers=("nation",), example={"advance_s": 0}),
)
async def advance_clock(body: ClockIn, ctx: Ctx) -> ClockOut:
    if not clock.test_clock_enabled():
        raise not_found("route")
    if ctx.actor.tier != "nation" or not ctx.actor.has_role("admin"):
        raise forbidden("only a nation admin moves the test clock")
    offset = await clock.offset(ctx.session) + body.advance_s
    await clock.set_offset(ctx.session, offset)
    return ClockOut(now=(await clock.now(ctx.session)).isoformat(), offset_s=offset)


@router.put(
    "/region-settings/{division}/{key}",
    response_model=dict[str, str],
    openapi_extra=scope.by_division("division", "path", example={"value": "7"}),
)
async def put_setting(
    body: SettingIn,
    ctx: Ctx,
    division: str = Path(pattern=r"^[0-9]{12}$"),
    key: str = Path(pattern=r"^[a-z_.0-9]{1,80}$"),
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Set a region's value; like every command, a repeated Idempotency-Key answers the first answer."""
    return await idempotency.run(
        ctx.session,
        ctx.actor,
        idempotency_key,
        ("region-setting", division, key, body),
        lambda: _put_setting(ctx, division, key, body),
    )


async def _put_setting(ctx: Context, division: str, key: str, body: SettingIn) -> dict[str, str]:
    require_within(ctx.actor, division, "division")
    # Thresholds, notice periods and spot-check rates are the county's to set (a countyless city holds its
    # powers) or a higher tier's: a village or township must not shorten its own notices.
    require_tier(ctx.actor, *SETTING_TIERS)
    require_role(ctx.actor, "officer", "admin")
    if division in divisions.CITY_GROUPINGS:
        # Settings of a grouping would be read by no chain (regions.chain passes over it).
        raise unprocessable(
            f"{division} is a statistical grouping (市辖区, 省直辖县级行政区划), not a government: set the "
            "province's value, or each county-level unit's",
            code="statistical-grouping",
        )
    value = body.value.strip()
    try:
        settings_rules.parse(key, value)
    except settings_rules.InvalidSetting as exc:
        raise unprocessable(str(exc), code="invalid-setting", key=key) from None
    await regions.put(ctx.session, division, key, value, ctx.actor.subject)
    return {"division": division, "key": key, "value": value}


@router.get("/region-settings/{division}/{key}", openapi_extra=scope.by_division("division", "path"))
async def get_setting(
    ctx: Ctx, division: str = Path(pattern=r"^[0-9]{12}$"), key: str = Path(pattern=r"^[a-z_.0-9]{1,80}$")
) -> dict[str, str | None]:
    require_within(ctx.actor, division, "division")
    reason = settings_rules.retired(key)
    if reason is not None:
        # A row stored under a retired key before it was refused is in force nowhere: answering its value
        # would present a line that no check applies.
        raise unprocessable(reason, code="invalid-setting", key=key)
    return {"division": division, "key": key, "value": await regions.get(ctx.session, division, key)}
