"""HTTP API of households (建档立卡) and their members. Every route works inside the caller's jurisdiction:
anything outside it answers 404, exactly like something that does not exist."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, BeforeValidator

from fupin_kit import idempotency
from fupin_kit import openapi_scope as scope
from fupin_kit.auth.dependencies import CurrentActor, current_actor
from fupin_kit.civil_time import CHINA
from fupin_kit.db import DbSession, open_read_session
from fupin_kit.idempotency import IdempotencyKey
from fupin_kit.pii import PiiCipher
from registry import matrix_examples as examples
from registry import patterns
from registry.households import service
from registry.households.enums import CODE_LISTS, Cause, HouseholdAttribute, HouseholdStatus
from registry.households.repository import HouseholdFilter
from registry.households.schemas import (
    CodeLabel,
    CountsOut,
    HistoryEntry,
    HouseholdIn,
    HouseholdOut,
    HouseholdPage,
    HouseholdPatch,
    IncomeIn,
    IncomeOut,
    MemberDeath,
    MemberJoin,
    MemberLeave,
    MemberPatch,
    StatusCommand,
)
from registry.models import idempotency_keys

MAX_PAGE = 500
router = APIRouter(prefix="/households", tags=["households"])


def _cipher(request: Request) -> PiiCipher:
    cipher: PiiCipher | None = getattr(request.app.state, "pii_cipher", None)
    if cipher is None:
        cipher = request.app.state.settings.pii_cipher()
        request.app.state.pii_cipher = cipher
    return cipher


async def pii_cipher(request: Request) -> PiiCipher:
    return _cipher(request)


async def context(
    actor: CurrentActor, session: DbSession, cipher: Annotated[PiiCipher, Depends(pii_cipher)]
) -> service.Context:
    return service.Context(session=session, actor=actor, cipher=cipher)


Ctx = Annotated[service.Context, Depends(context)]


async def read_context(request: Request) -> AsyncIterator[service.Context]:
    """The context of a route that only reads (no lock, no write): its statements run in autocommit
    (db.open_read_session). One dependency rather than the four `context` is made of: FastAPI resolving
    each one cost more than what it does (B3, household reads)."""
    actor = await current_actor(request)
    async with open_read_session(request.app.state.sessionmaker) as session:
        yield service.Context(session=session, actor=actor, cipher=_cipher(request))


# The session closes when the route returns, before the response is sent (as DbSession).
ReadCtx = Annotated[service.Context, Depends(read_context, scope="function")]


def _once(
    ctx: service.Context,
    key: str | None,
    request: tuple[Any, ...],
    produce: Callable[[], Awaitable[BaseModel]],
    status: int = 200,
) -> Awaitable[Response]:
    """A command run once per Idempotency-Key (fupin_kit.idempotency), in the command's transaction."""
    return idempotency.run(idempotency_keys, ctx.session, ctx.actor, key, request, produce, status)


@router.get("/code-lists", openapi_extra=scope.public())
async def code_lists() -> dict[str, list[CodeLabel]]:
    """Every code list of the household record, with its Chinese labels."""
    return {
        name: [CodeLabel(code=member.value, label=member.label) for member in enum]
        for name, enum in CODE_LISTS.items()
    }


@router.get("/counts", openapi_extra=scope.caller())
async def counts(
    ctx: Ctx,
    by: Annotated[str, Query(pattern="^child$")] = "child",
    division: Annotated[str | None, Query(pattern=patterns.DIVISION_CODE)] = None,
) -> CountsOut:
    """Households per child division of the caller's node (or of `division` inside the jurisdiction)."""
    return await service.counts_by_child(ctx, division)


# per_capita_net_income is NUMERIC(14, 2): a bound outside its range would overflow in the database.
INCOME_LIMIT = 999_999_999_999
# A decimal number of yuan. Pydantic documents a Decimal as "a number or any string", and a client generated
# from that sends strings the route refuses (422): the string form is stated as what it takes (eleven digits
# before the point keep it within INCOME_LIMIT).
DECIMAL_TEXT = r"^[+-]?(\d{1,11}(\.\d*)?|\.\d+)$"
IncomeQuery = Query(
    ge=-INCOME_LIMIT,
    le=INCOME_LIMIT,
    allow_inf_nan=False,
    description="latest per-capita net income, yuan",
    json_schema_extra={
        "anyOf": [
            {"type": "number", "minimum": -INCOME_LIMIT, "maximum": INCOME_LIMIT},
            {"type": "string", "pattern": DECIMAL_TEXT},
            {"type": "null"},
        ]
    },
)


@router.get("", openapi_extra=scope.caller())
async def list_households(
    ctx: ReadCtx,
    status: HouseholdStatus | None = None,
    attribute: HouseholdAttribute | None = None,
    main_cause: Cause | None = None,
    cause: Annotated[Cause | None, Query(description="main or other cause")] = None,
    income_min: Annotated[Decimal | None, IncomeQuery] = None,
    income_max: Annotated[Decimal | None, IncomeQuery] = None,
    has_disabled: bool | None = None,
    has_no_labour: bool | None = None,
    has_serious_illness: bool | None = None,
    after: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> HouseholdPage:
    filters = HouseholdFilter(
        status=None if status is None else status.value,
        attribute=None if attribute is None else attribute.value,
        main_cause=None if main_cause is None else main_cause.value,
        cause=None if cause is None else cause.value,
        income_min=income_min,
        income_max=income_max,
        has_disabled=has_disabled,
        has_no_labour=has_no_labour,
        has_serious_illness=has_serious_illness,
    )
    return await service.search(ctx, filters, after, limit)


@router.post(
    "",
    status_code=201,
    response_model=HouseholdOut,
    openapi_extra=scope.by_division(location="body", example=examples.HOUSEHOLD),
)
async def create_household(ctx: Ctx, body: HouseholdIn, key: IdempotencyKey = None) -> Response:
    return await _once(ctx, key, ("create-household", body), lambda: service.create_household(ctx, body), 201)


# A date alone is a day in China, the platform's calendar (fupin_kit.civil_time).
DATE_ONLY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _end_of_day(value: Any) -> Any:
    """A date alone asks for the file as it stood on that day, so it includes the day's changes: it is
    read as the day's last microsecond, not as its midnight, and the day is China's, as every other date
    of the platform is (registration and monitoring years, decision and member-change dates): a file
    created on the morning of 27 November in Beijing is there as of 2026-11-27."""
    if isinstance(value, str) and DATE_ONLY.match(value.strip()):
        return dt.datetime.combine(dt.date.fromisoformat(value.strip()), dt.time.max, tzinfo=CHINA)
    return value


AS_OF_DESCRIPTION = (
    "ISO 8601 timestamp: the household as it was then. Without an offset it is read as UTC. A date alone "
    "(YYYY-MM-DD) means the end of that day in China (23:59:59.999999+08:00), so the day's changes are "
    "included. "
    "An instant outside the years 1–9999 once converted to UTC is refused (422)."
)


@router.get(
    "/{household_id}",
    response_model=HouseholdOut,
    openapi_extra=scope.by_resource("POST /households", "household_id"),
)
async def read_household(
    request: Request,
    household_id: uuid.UUID,
    as_of: Annotated[
        dt.datetime | None, BeforeValidator(_end_of_day), Query(description=AS_OF_DESCRIPTION)
    ] = None,
) -> Response:
    actor = await current_actor(request)
    if as_of is None:
        # The hot read: on the read pool, and the model serialised once here rather than validated again
        # against response_model (it is built from that model: the answer is the same document).
        current = await service.read_current_household(
            request.app.state.read_pool, actor, _cipher(request), household_id
        )
        return Response(current.model_dump_json(), media_type="application/json")
    async with open_read_session(request.app.state.sessionmaker) as session:
        past = await service.read_household_as_of(
            service.Context(session=session, actor=actor, cipher=_cipher(request)), household_id, as_of
        )
    return Response(past.model_dump_json(), media_type="application/json")


@router.patch(
    "/{household_id}",
    response_model=HouseholdOut,
    openapi_extra=scope.by_resource("POST /households", "household_id", example=examples.HOUSEHOLD_PATCH),
)
async def update_household(
    ctx: Ctx, household_id: uuid.UUID, body: HouseholdPatch, key: IdempotencyKey = None
) -> Response:
    return await _once(
        ctx,
        key,
        ("update-household", household_id, body),
        lambda: service.update_household(ctx, household_id, body),
    )


@router.get("/{household_id}/history", openapi_extra=scope.by_resource("POST /households", "household_id"))
async def household_history(ctx: ReadCtx, household_id: uuid.UUID) -> list[HistoryEntry]:
    return await service.read_history(ctx, household_id)


@router.post(
    "/{household_id}/status-commands",
    response_model=HouseholdOut,
    openapi_extra=scope.by_resource("POST /households", "household_id", example=examples.STATUS_COMMAND),
)
async def change_status(
    ctx: Ctx, household_id: uuid.UUID, body: StatusCommand, key: IdempotencyKey = None
) -> Response:
    """A county officer's record of a status decided outside the platform's procedure: the files of
    households identified before the platform existed (the 登记表 import files every household as a
    candidate), and corrections. The procedures themselves are identification's, whose decisions reach
    the registry as events; each use here is in the household's history with its officer and reason."""
    return await _once(
        ctx,
        key,
        ("change-status", household_id, body),
        lambda: service.change_status(ctx, household_id, body, by_hand=True),
    )


@router.post(
    "/{household_id}/members",
    status_code=201,
    response_model=HouseholdOut,
    openapi_extra=scope.by_resource("POST /households", "household_id", example=examples.MEMBER_JOIN),
)
async def add_member(
    ctx: Ctx, household_id: uuid.UUID, body: MemberJoin, key: IdempotencyKey = None
) -> Response:
    return await _once(
        ctx, key, ("add-member", household_id, body), lambda: service.add_member(ctx, household_id, body), 201
    )


def _on_member(example: dict[str, Any]) -> dict[str, Any]:
    """Scope of a member operation: the second member of a household made by POST /households."""
    return scope.by_resource(
        "POST /households", "household_id", params={"member_id": "members.1.id"}, example=example
    )


@router.patch(
    "/{household_id}/members/{member_id}",
    response_model=HouseholdOut,
    openapi_extra=_on_member(examples.MEMBER_PATCH),
)
async def update_member(
    ctx: Ctx, household_id: uuid.UUID, member_id: uuid.UUID, body: MemberPatch, key: IdempotencyKey = None
) -> Response:
    return await _once(
        ctx,
        key,
        ("update-member", household_id, member_id, body),
        lambda: service.update_member(ctx, household_id, member_id, body),
    )


@router.post(
    "/{household_id}/members/{member_id}/departure",
    response_model=HouseholdOut,
    openapi_extra=_on_member(examples.MEMBER_LEAVE),
)
async def member_leaves(
    ctx: Ctx, household_id: uuid.UUID, member_id: uuid.UUID, body: MemberLeave, key: IdempotencyKey = None
) -> Response:
    return await _once(
        ctx,
        key,
        ("member-leaves", household_id, member_id, body),
        lambda: service.member_leaves(ctx, household_id, member_id, body),
    )


@router.post(
    "/{household_id}/members/{member_id}/death",
    response_model=HouseholdOut,
    openapi_extra=_on_member(examples.MEMBER_DEATH),
)
async def member_dies(
    ctx: Ctx, household_id: uuid.UUID, member_id: uuid.UUID, body: MemberDeath, key: IdempotencyKey = None
) -> Response:
    return await _once(
        ctx,
        key,
        ("member-dies", household_id, member_id, body),
        lambda: service.member_dies(ctx, household_id, member_id, body),
    )


@router.get("/{household_id}/incomes", openapi_extra=scope.by_resource("POST /households", "household_id"))
async def list_incomes(ctx: ReadCtx, household_id: uuid.UUID) -> list[IncomeOut]:
    return await service.list_incomes(ctx, household_id)


@router.put(
    "/{household_id}/incomes/{year}",
    response_model=IncomeOut,
    openapi_extra=scope.by_resource("POST /households", "household_id", example=examples.INCOME),
)
async def record_income(
    ctx: Ctx,
    household_id: uuid.UUID,
    year: Annotated[int, Path(ge=2000, le=2100)],
    body: IncomeIn,
    key: IdempotencyKey = None,
) -> Response:
    """Net and per-capita net income are computed here. Per-capita divides the year's net income among
    the members living in the household at the end of 31 December of that year (today for the current
    year and the next): in it from birth if registered with the file or born into it, else from the day
    they joined (a registered member who left another household before: from the registration), until
    they left or died. A later member change dated in or before a recorded year
    recomputes that year's per-capita figure (its history row shows the records before and after, and an
    income_recorded event carries each new figure). A correction keeps the year's record as it was in the
    history row, with the reason given."""
    return await _once(
        ctx,
        key,
        ("record-income", household_id, year, body),
        lambda: service.record_income(ctx, household_id, year, body),
    )
