"""`/admin/clients`: departmental systems using the client credentials grant."""

from __future__ import annotations

from fastapi import APIRouter, Response

from fupin_gateway.admin import service
from fupin_gateway.admin.deps import Admin, After, Limit
from fupin_gateway.identity import passwords
from fupin_gateway.identity.schemas import ClientCreated, ClientIn, ClientOut, Page, ScopesIn, SecretOut
from fupin_gateway.identity.tables import CLIENT
from fupin_kit import openapi_scope as scope
from fupin_kit.idempotency import IdempotencyKey

router = APIRouter(prefix="/admin/clients", tags=["admin"])
# The account the other routes act on: its division is their jurisdiction.
OWNED = scope.by_resource("POST /admin/clients", id_param="client_id", id_field="client_id")


def _out(row: object) -> ClientOut:
    return ClientOut.model_validate(row, from_attributes=True)


@router.get("", summary="Departmental clients in the admin's jurisdiction", openapi_extra=scope.caller())
async def list_clients(ctx: Admin, after: After = None, limit: Limit = 100) -> Page[ClientOut]:
    rows, next_after = await service.page(ctx, CLIENT, after, limit)
    return Page[ClientOut](items=[_out(row) for row in rows], next_after=next_after)


@router.post(
    "",
    status_code=201,
    response_model=ClientCreated,
    summary="Register a departmental client (its secret is shown once)",
    openapi_extra=scope.by_division(location="body"),
)
async def create_client(body: ClientIn, ctx: Admin, key: IdempotencyKey = None) -> Response:
    async def produce() -> ClientCreated:
        secret = passwords.generate_secret()
        values = {**body.model_dump(), "secret_hash": await passwords.hash_secret(secret)}
        detail = {
            "tier": body.tier,
            "scopes": body.scopes,
            "roles": body.roles,
            "department": body.department,
        }
        row = await service.create(ctx, CLIENT, values, detail)
        return ClientCreated(**_out(row).model_dump(), client_secret=secret)

    return await service.once(ctx, key, ("create-client", body), produce, 201)


@router.get("/{client_id}", summary="One departmental client", openapi_extra=OWNED)
async def read_client(client_id: str, ctx: Admin) -> ClientOut:
    return _out(await service.find(ctx, CLIENT, client_id))


@router.put(
    "/{client_id}/scopes",
    response_model=ClientOut,
    summary="Replace a client's scopes (and optionally roles); tokens issued before end",
    openapi_extra=OWNED,
)
async def set_scopes(client_id: str, body: ScopesIn, ctx: Admin, key: IdempotencyKey = None) -> Response:
    async def produce() -> ClientOut:
        values = body.model_dump(exclude_none=True)
        # Tokens carry the scopes and roles they were issued with: those issued before the change end with it.
        row = await service.change_ending_tokens(ctx, CLIENT, client_id, values, "scopes_changed", values)
        return _out(row)

    return await service.once(ctx, key, ("set-client-scopes", client_id, body), produce)


@router.post(
    "/{client_id}/disable",
    response_model=ClientOut,
    summary="Disable a client (its existing tokens stop at the gateway)",
    openapi_extra=OWNED,
)
async def disable_client(client_id: str, ctx: Admin, key: IdempotencyKey = None) -> Response:
    async def produce() -> ClientOut:
        return _out(await service.set_disabled(ctx, CLIENT, client_id, True))

    return await service.once(ctx, key, ("disable-client", client_id), produce)


@router.post(
    "/{client_id}/enable", response_model=ClientOut, summary="Enable a client again", openapi_extra=OWNED
)
async def enable_client(client_id: str, ctx: Admin, key: IdempotencyKey = None) -> Response:
    async def produce() -> ClientOut:
        return _out(await service.set_disabled(ctx, CLIENT, client_id, False))

    return await service.once(ctx, key, ("enable-client", client_id), produce)


@router.post(
    "/{client_id}/secret",
    response_model=SecretOut,
    summary="Issue a new client secret (the old one and tokens issued before stop working)",
    openapi_extra=OWNED,
)
async def rotate_secret(client_id: str, ctx: Admin, key: IdempotencyKey = None) -> Response:
    async def produce() -> SecretOut:
        secret = passwords.generate_secret()
        values = {"secret_hash": await passwords.hash_secret(secret)}
        # A token obtained with the old secret (perhaps leaked with it) ends with the rotation.
        await service.change_ending_tokens(ctx, CLIENT, client_id, values, "secret_rotated", {})
        return SecretOut(secret=secret)

    return await service.once(ctx, key, ("rotate-client-secret", client_id), produce)
