"""`/admin/users`: cadres and officials."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import func

from fupin_gateway.admin import service
from fupin_gateway.admin.deps import Admin, After, Limit
from fupin_gateway.identity import passwords
from fupin_gateway.identity.schemas import (
    Page,
    PasswordIn,
    PersonIn,
    PersonOut,
    RolesIn,
    SecretOut,
)
from fupin_gateway.identity.tables import USER
from fupin_kit import openapi_scope as scope
from fupin_kit.idempotency import IdempotencyKey

router = APIRouter(prefix="/admin/users", tags=["admin"])
# The account the other routes act on: its division is their jurisdiction.
OWNED = scope.by_resource("POST /admin/users", id_param="username", id_field="username")


def _out(row: object) -> PersonOut:
    return PersonOut.model_validate(row, from_attributes=True)


@router.get("", summary="People in the admin's jurisdiction", openapi_extra=scope.caller())
async def list_users(ctx: Admin, after: After = None, limit: Limit = 100) -> Page[PersonOut]:
    rows, next_after = await service.page(ctx, USER, after, limit)
    return Page[PersonOut](items=[_out(row) for row in rows], next_after=next_after)


@router.post(
    "",
    status_code=201,
    response_model=PersonOut,
    summary="Create a person",
    openapi_extra=scope.by_division(location="body"),
)
async def create_user(body: PersonIn, ctx: Admin, key: IdempotencyKey = None) -> Response:
    async def produce() -> PersonOut:
        values = body.model_dump(exclude={"password"})
        values["password_hash"] = await passwords.hash_secret(body.password)
        detail = {"tier": body.tier, "roles": body.roles, "display_name": body.display_name}
        return _out(await service.create(ctx, USER, values, detail))

    request = ("create-user", await ctx.sealer.fingerprinted(ctx.actor, key, body))
    return await service.once(ctx, key, request, produce, 201)


@router.get("/{username}", summary="One person", openapi_extra=OWNED)
async def read_user(username: str, ctx: Admin) -> PersonOut:
    return _out(await service.find(ctx, USER, username))


@router.put(
    "/{username}/roles",
    response_model=PersonOut,
    summary="Replace a person's roles (tokens issued before end)",
    openapi_extra=OWNED,
)
async def set_roles(username: str, body: RolesIn, ctx: Admin, key: IdempotencyKey = None) -> Response:
    async def produce() -> PersonOut:
        # Tokens carry the roles they were issued with: those issued before the change end with it.
        row = await service.change_ending_tokens(
            ctx, USER, username, {"roles": body.roles}, "roles_changed", {"roles": body.roles}
        )
        return _out(row)

    return await service.once(ctx, key, ("set-user-roles", username, body), produce)


@router.post(
    "/{username}/disable",
    response_model=PersonOut,
    summary="Disable a person (their existing tokens stop at the gateway)",
    openapi_extra=OWNED,
)
async def disable_user(username: str, ctx: Admin, key: IdempotencyKey = None) -> Response:
    async def produce() -> PersonOut:
        return _out(await service.set_disabled(ctx, USER, username, True))

    return await service.once(ctx, key, ("disable-user", username), produce)


@router.post(
    "/{username}/enable", response_model=PersonOut, summary="Enable a person again", openapi_extra=OWNED
)
async def enable_user(username: str, ctx: Admin, key: IdempotencyKey = None) -> Response:
    async def produce() -> PersonOut:
        return _out(await service.set_disabled(ctx, USER, username, False))

    return await service.once(ctx, key, ("enable-user", username), produce)


@router.post(
    "/{username}/password",
    response_model=SecretOut,
    summary="Reset a person's password (tokens issued before end)",
    openapi_extra=OWNED,
)
async def reset_password(
    username: str, body: PasswordIn, ctx: Admin, request: Request, key: IdempotencyKey = None
) -> Response:
    policy = request.app.state.settings.sign_in_policy()

    async def produce() -> SecretOut:
        service.check_new_password(body.password, username)
        await service.check_own_current_password(ctx, USER, username, body.current_password, policy)
        secret = body.password or passwords.generate_secret()
        values = {"password_hash": await passwords.hash_secret(secret), "password_changed_at": func.now()}
        # A token obtained with the old password (perhaps leaked with it) ends with the reset.
        await service.change_ending_tokens(ctx, USER, username, values, "password_reset", {})
        return SecretOut(secret=secret)

    fingerprinted = await ctx.sealer.fingerprinted(ctx.actor, key, body)
    return await service.once(ctx, key, ("reset-user-password", username, fingerprinted), produce)
