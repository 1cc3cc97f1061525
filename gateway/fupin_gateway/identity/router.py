"""`POST /oauth/token` (RFC 6749): password grant for people and evaluators, client credentials for
departmental systems. The body is `application/x-www-form-urlencoded`, parsed here rather than through
FastAPI's Form (which would pull in python-multipart for one endpoint)."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl, unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from fupin_gateway.identity import service
from fupin_gateway.identity.schemas import TokenOut
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


async def _form(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_MEDIA_TYPE:
        raise service.bad_request(f"the body must be {FORM_MEDIA_TYPE}", "invalid_request")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise service.bad_request("the body is too large", "invalid_request")
    try:
        return dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError as exc:
        raise service.bad_request("the body is not UTF-8", "invalid_request") from exc


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """Client credentials in an HTTP Basic header, the way RFC 6749 §2.3.1 prefers them."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise service.invalid_credentials("invalid_client") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise service.invalid_credentials("invalid_client")
    return unquote(client_id), unquote(secret)


def _audit_sign_in(request: Request, grant_type: str, account: str) -> None:
    """Names the account of this sign-in, successful or not, in its access audit row (access.py)."""
    request.state.sign_in = {"grant_type": grant_type, "account": account}


@router.post(
    "/oauth/token",
    summary="Issue an access token (password or client_credentials grant)",
    response_model=TokenOut,
    openapi_extra=scope.merge(scope.public(), _FORM_SCHEMA),
    responses={400: {"description": "Malformed request"}, 401: {"description": "Invalid credentials"}},
)
async def token(request: Request, session: DbSession) -> JSONResponse:
    form = await _form(request)
    grant_type = form.get("grant_type", "")
    if grant_type == "password":
        username, password = form.get("username", ""), form.get("password", "")
        if not username or not password:
            raise service.bad_request("username and password are required", "invalid_request")
        _audit_sign_in(request, grant_type, username)
        grant = await service.password_grant(session, username, password)
    elif grant_type == "client_credentials":
        credentials = _basic_credentials(request) or (
            form.get("client_id", ""),
            form.get("client_secret", ""),
        )
        if not all(credentials):
            raise service.invalid_credentials("invalid_client")
        _audit_sign_in(request, grant_type, credentials[0])
        grant = await service.client_grant(session, credentials[0], credentials[1], form.get("scope"))
    else:
        raise service.bad_request(
            "grant_type must be password or client_credentials", "unsupported_grant_type"
        )
    request.state.sign_in.update(subject=grant.subject, division=grant.division)
    keys: KeyStore = request.app.state.key_store
    issued = service.issue(
        request.app.state.settings, keys, grant, request.app.state.settings.token_lifetime_s
    )
    # Tokens must not be cached by any intermediary (RFC 6749 §5.1).
    return JSONResponse(issued.model_dump(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
