"""The claims of a request's bearer token, read after the token has been verified.

The verifier returns an Actor, which carries no times; routes that must act on `exp` or `iat` (a stream
that has to end when its token does) read them here. Only for a token already verified in the same
request (CurrentActor, or the access guard): the signature is not checked again.
"""

from __future__ import annotations

from typing import Any

import jwt
from starlette.requests import Request

from fupin_kit.auth.tokens import bearer_token


def verified_claims(request: Request) -> dict[str, Any]:
    token = bearer_token(request.headers.get("authorization"))
    return unverified_claims(token)


def unverified_claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims
