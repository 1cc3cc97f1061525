"""`/admin/evaluators`: third-party evaluators with time-boxed access."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request, Response
from sqlalchemy import func

from fupin_gateway.admin import service
from fupin_gateway.admin.deps import Admin, After, Limit
from fupin_gateway.identity import passwords
from fupin_gateway.identity.schemas import (
    EvaluatorIn,
    EvaluatorOut,
    Page,
    PasswordIn,
    SecretOut,
    WindowIn,
)
from fupin_gateway.identity.tables import EVALUATOR
from fupin_kit import openapi_scope as scope
from fupin_kit.idempotency import IdempotencyKey
from fupin_kit.problems import unprocessable

router = APIRouter(prefix="/admin/evaluators", tags=["admin"])
# The account the other routes act on: its division is their jurisdiction.
OWNED = scope.by_resource("POST /admin/evaluators", id_param="username", id_field="username")


def _out(row: object) -> EvaluatorOut:
    return EvaluatorOut.model_validate(row, from_attributes=True)


def _check_window(request: Request, valid_from: datetime, valid_until: datetime) -> None:
    if valid_from.tzinfo is None or valid_until.tzinfo is None:
        raise unprocessable("valid_from and valid_until need a time zone offset")
    try:
        # Stored in UTC: near 0001-01-01 or 9999-12-31 an offset pushes the instant outside the years a
        # timestamp can hold, which is the caller's error.
        valid_from.astimezone(UTC), valid_until.astimezone(UTC)
    except OverflowError:
        raise unprocessable("valid_from or valid_until is outside the representable range in UTC") from None
    if valid_until <= valid_from:
        raise unprocessable("valid_until must be after valid_from")
    # Time-boxed: an outside organisation is admitted for an evaluation, not for good (0001–9999 was
    # accepted). The bound is a setting, long enough for a multi-year evaluation contract.
    max_days: int = request.app.state.settings.evaluator_window_max_days
    if valid_until - valid_from > timedelta(days=max_days):
        raise unprocessable(
            f"an evaluator's window may last at most {max_days} days "
            "(FUPIN_EVALUATOR_WINDOW_MAX_DAYS); admit the evaluator again for the next evaluation"
        )


def _window_open(valid_from: datetime, valid_until: datetime) -> bool:
    return valid_from <= datetime.now(UTC) < valid_until


@router.get("", summary="Evaluators in the admin's jurisdiction", openapi_extra=scope.caller())
async def list_evaluators(ctx: Admin, after: After = None, limit: Limit = 100) -> Page[EvaluatorOut]:
    rows, next_after = await service.page(ctx, EVALUATOR, after, limit)
    return Page[EvaluatorOut](items=[_out(row) for row in rows], next_after=next_after)


@router.post(
    "",
    status_code=201,
    response_model=EvaluatorOut,
    summary="Admit an evaluator for a time window",
    openapi_extra=scope.by_division(location="body"),
)
async def create_evaluator(
    body: EvaluatorIn, ctx: Admin, request: Request, key: IdempotencyKey = None
) -> Response:
    async def produce() -> EvaluatorOut:
        _check_window(request, body.valid_from, body.valid_until)
        values = body.model_dump(exclude={"password"})
        values["password_hash"] = await passwords.hash_secret(body.password)
        detail = {
            "tier": body.tier,
            "roles": body.roles,
            "organisation": body.organisation,
            "valid_from": body.valid_from.isoformat(),
            "valid_until": body.valid_until.isoformat(),
        }
        return _out(await service.create(ctx, EVALUATOR, values, detail))

    fingerprinted = await ctx.sealer.fingerprinted(ctx.actor, key, body)
    return await service.once(ctx, key, ("create-evaluator", fingerprinted), produce, 201)


@router.get("/{username}", summary="One evaluator", openapi_extra=OWNED)
async def read_evaluator(username: str, ctx: Admin) -> EvaluatorOut:
    return _out(await service.find(ctx, EVALUATOR, username))


@router.put(
    "/{username}/window",
    response_model=EvaluatorOut,
    summary="Change an evaluator's access window",
    openapi_extra=OWNED,
)
async def set_window(
    username: str, body: WindowIn, ctx: Admin, request: Request, key: IdempotencyKey = None
) -> Response:
    async def produce() -> EvaluatorOut:
        return await _set_window(ctx, request, username, body)

    return await service.once(ctx, key, ("set-evaluator-window", username, body), produce)


async def _set_window(
    ctx: service.AdminContext, request: Request, username: str, body: WindowIn
) -> EvaluatorOut:
    _check_window(request, body.valid_from, body.valid_until)
    values = body.model_dump()
    detail = {key: value.isoformat() for key, value in values.items()}
    # Recorded so the revoked list keeps the evaluator for a token lifetime after the change, even when
    # the new window ended long ago (see repository.blocked_subjects).
    values["window_changed_at"] = func.now()
    subject = EVALUATOR.subject(username)
    if not _window_open(body.valid_from, body.valid_until):
        # A window that does not hold now ends the evaluator's tokens, at the gateway at once, like a
        # disable: reopening it later lets the evaluator sign in again, not revive those tokens.
        row = await service.change_ending_tokens(ctx, EVALUATOR, username, values, "window_changed", detail)
        ctx.after_commit.append(functools.partial(ctx.blocklist.block, subject))
        return _out(row)
    # Read under the lock the change takes, so a sign-in cannot slip a token of the old end in between.
    previous = await service.find_locked(ctx, EVALUATOR, username)
    if body.valid_until < previous.valid_until:
        # A token issued in the old window may end (exp) after the new end: ended now, as a change of roles
        # ends tokens, rather than accepted past valid_until until the blocklists reload (QA10 ADM-2). The
        # evaluator signs in again for a token that ends with the new window.
        row = await service.change_ending_tokens(ctx, EVALUATOR, username, values, "window_changed", detail)
    else:
        row = await service.change(ctx, EVALUATOR, username, values, "window_changed", detail)
    if not row.disabled:
        ctx.after_commit.append(functools.partial(ctx.blocklist.unblock, subject))
    return _out(row)


@router.post(
    "/{username}/disable", response_model=EvaluatorOut, summary="Disable an evaluator", openapi_extra=OWNED
)
async def disable_evaluator(username: str, ctx: Admin, key: IdempotencyKey = None) -> Response:
    async def produce() -> EvaluatorOut:
        return _out(await service.set_disabled(ctx, EVALUATOR, username, True))

    return await service.once(ctx, key, ("disable-evaluator", username), produce)


@router.post(
    "/{username}/enable",
    response_model=EvaluatorOut,
    summary="Enable an evaluator again (within its window)",
    openapi_extra=OWNED,
)
async def enable_evaluator(username: str, ctx: Admin, key: IdempotencyKey = None) -> Response:
    async def produce() -> EvaluatorOut:
        row = await service.set_disabled(ctx, EVALUATOR, username, False)
        if not _window_open(row.valid_from, row.valid_until):
            # Enabled, but outside its window its tokens stay refused: blocked again right after the unblock
            # (both run after the commit, with no await between them), as the reloads from the database would.
            ctx.after_commit.append(functools.partial(ctx.blocklist.block, EVALUATOR.subject(username)))
        return _out(row)

    return await service.once(ctx, key, ("enable-evaluator", username), produce)


@router.post(
    "/{username}/password",
    response_model=SecretOut,
    summary="Reset an evaluator's password (tokens issued before end)",
    openapi_extra=OWNED,
)
async def reset_password(username: str, body: PasswordIn, ctx: Admin, key: IdempotencyKey = None) -> Response:
    async def produce() -> SecretOut:
        service.check_new_password(body.password, username)
        secret = body.password or passwords.generate_secret()
        values = {"password_hash": await passwords.hash_secret(secret)}
        # A token obtained with the old password (perhaps leaked with it) ends with the reset.
        await service.change_ending_tokens(ctx, EVALUATOR, username, values, "password_reset", {})
        return SecretOut(secret=secret)

    fingerprinted = await ctx.sealer.fingerprinted(ctx.actor, key, body)
    return await service.once(ctx, key, ("reset-evaluator-password", username, fingerprinted), produce)
