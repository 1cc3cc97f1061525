"""`POST /oauth/token` (RFC 6749): password grant for people and evaluators, client credentials for
departmental systems. The body is `application/x-www-form-urlencoded`, parsed here rather than through
FastAPI's Form (which would pull in python-multipart for one endpoint). Its errors are RFC 6749's, not
problem documents (identity.errors)."""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl, unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_gateway.config import GatewaySettings
from fupin_gateway.identity import errors, repository, service, throttle
from fupin_gateway.identity.schemas import TokenError, TokenOut
from fupin_kit import openapi_scope as scope
from fupin_kit.auth.keys import KeyStore
from fupin_kit.db import DbSession

router = APIRouter(tags=["identity"])
MAX_BODY = 8_192
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
_FORM_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            FORM_MEDIA_TYPE: {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["password", "client_credentials"]},
                        "username": {"type": "string"},
                        "password": {"type": "string", "format": "password"},
                        "client_id": {"type": "string"},
                        "client_secret": {"type": "string", "format": "password"},
                        "scope": {"type": "string"},
                    },
                }
            }
        },
    }
}


PARAMETERS: tuple[str, ...] = tuple(
    _FORM_SCHEMA["requestBody"]["content"][FORM_MEDIA_TYPE]["schema"]["properties"]
)


async def _form(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_MEDIA_TYPE:
        raise errors.invalid_request(f"the body must be {FORM_MEDIA_TYPE}")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise errors.invalid_request("the body is too large")
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise errors.invalid_request("the body is not UTF-8") from exc
    form = dict(pairs)
    if len(form) != len(pairs):
        # RFC 6749 §3.2: no parameter more than once. Taking the last value would let a log or a proxy
        # that reads the first see a different request (another name, another grant) than the one served.
        # Named only when it is one of ours: error_description is ASCII, and the body is the caller's.
        counts = Counter(name for name, _ in pairs)
        repeated = sorted(name for name in PARAMETERS if counts[name] > 1) or ["a parameter"]
        raise errors.invalid_request(f"{', '.join(repeated)} given more than once")
    if any("\x00" in value for value in form.values()):
        # No name, id or secret holds a NUL; it would reach the account lookup, which the database
        # refuses (a problem document, not the RFC 6749 error every other refusal here is).
        raise errors.invalid_request("a parameter contains a NUL character")
    return form


def _basic_value(request: Request) -> str | None:
    """The credentials of an HTTP Basic Authorization header, still encoded; None without one."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "basic" and value.strip() else None


def _basic_credentials(value: str) -> tuple[str, str]:
    """Client credentials in an HTTP Basic header, the way RFC 6749 §2.3.1 prefers them."""
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise errors.invalid_client() from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise errors.invalid_client()
    return unquote(client_id), unquote(secret)


def _policy(request: Request) -> throttle.Policy:
    settings: GatewaySettings = request.app.state.settings
    return settings.sign_in_policy()


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


async def _audit_refusal_where_the_account_is(request: Request, session: AsyncSession) -> None:
    """A refused sign-in naming an existing account is audited at that account's division, where its own
    admins search the audit (GET /admin/audit): who tried to sign in as their officers, and from where.
    One naming no account stays at the nation's."""
    sign_in: dict[str, str] | None = getattr(request.state, "sign_in", None)
    if sign_in is None:
        return
    division = await repository.sign_in_division(session, sign_in["grant_type"], sign_in["account"])
    if division is not None:
        sign_in["division"] = division


def _audit_sign_in(request: Request, grant_type: str, account: str) -> None:
    """Names the account of this sign-in, successful or not, in its access audit row (access.py)."""
    request.state.sign_in = {"grant_type": grant_type, "account": account}


@router.post(
    "/oauth/token",
    summary="Issue an access token (password or client_credentials grant)",
    response_model=TokenOut,
    openapi_extra=scope.merge(scope.public(), _FORM_SCHEMA),
    responses={
        400: {
            "model": TokenError,
            "description": "RFC 6749 §5.2: invalid_request, invalid_grant (wrong name or password, a "
            "disabled account, a closed evaluator window, a name locked after repeated failures), "
            "unsupported_grant_type or invalid_scope",
        },
        401: {
            "model": TokenError,
            "description": "RFC 6749 §5.2: invalid_client (wrong client id or secret)",
        },
    },
)
async def token(request: Request, session: DbSession) -> JSONResponse:
    basic = _basic_value(request)
    try:
        grant = await _grant(request, session, basic)
        keys: KeyStore = request.app.state.key_store
        issued = service.issue(
            request.app.state.settings, keys, grant, request.app.state.settings.token_lifetime_s
        )
    except errors.OAuthError as error:
        # Answered, not raised: the request's transaction then commits, and with it the failure the
        # refusal counted towards the name's lockout (identity/throttle.py). Nothing else was written.
        await _audit_refusal_where_the_account_is(request, session)
        return error.response(basic_auth=basic is not None)
    request.state.sign_in.update(subject=grant.subject, division=grant.division)
    # Tokens must not be cached by any intermediary (RFC 6749 §5.1).
    return JSONResponse(issued.model_dump(), headers=errors.NO_STORE)


async def _grant(request: Request, session: AsyncSession, basic: str | None) -> service.Grant:
    form = await _form(request)
    grant_type = form.get("grant_type", "")
    if grant_type == "password":
        username, password = form.get("username", ""), form.get("password", "")
        if not username or not password:
            raise errors.invalid_request("username and password are required")
        _audit_sign_in(request, grant_type, username)
        return await service.password_grant(
            session, username, password, _policy(request), _client_ip(request)
        )
    if grant_type == "client_credentials":
        if basic is not None and ("client_id" in form or "client_secret" in form):
            # RFC 6749 §2.3: one authentication method per request. Preferring one of the two would
            # authenticate a client other than the one the body names.
            raise errors.invalid_request(
                "client credentials are given both in the Authorization header and the body"
            )
        credentials = (
            _basic_credentials(basic)
            if basic is not None
            else (form.get("client_id", ""), form.get("client_secret", ""))
        )
        if not all(credentials):
            raise errors.invalid_client()
        _audit_sign_in(request, grant_type, credentials[0])
        return await service.client_grant(
            session, credentials[0], credentials[1], form.get("scope"), _policy(request), _client_ip(request)
        )
    if not grant_type:
        raise errors.invalid_request("grant_type is required")
    raise errors.unsupported_grant_type("grant_type must be password or client_credentials")
