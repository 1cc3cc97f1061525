"""The public half of the signing keys, for every service's token verification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from fupin_kit import openapi_scope as scope

router = APIRouter(tags=["identity"])


@router.get("/.well-known/jwks.json", summary="Public signing keys (JWK set)", openapi_extra=scope.public())
async def jwks(request: Request) -> dict[str, Any]:
    public: dict[str, Any] = request.app.state.key_store.public_set()
    return public
