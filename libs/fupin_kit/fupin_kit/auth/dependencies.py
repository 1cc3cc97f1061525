"""FastAPI dependencies: the verified Actor of the request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from fupin_kit.auth import client_scopes
from fupin_kit.auth.actor import Actor
from fupin_kit.auth.tokens import TokenVerifier, bearer_token
from fupin_kit.problems import forbidden


async def current_actor(request: Request) -> Actor:
    verifier: TokenVerifier = request.app.state.token_verifier
    actor = await verifier.verify(bearer_token(request.headers.get("authorization")))
    if actor.scopes is not None:
        _check_client_scope(request, actor.scopes)
    request.state.actor = actor
    return actor


def _check_client_scope(request: Request, granted: frozenset[str]) -> None:
    route = request.scope.get("route")
    declared = (getattr(route, "openapi_extra", None) or {}).get(client_scopes.CLIENT_SCOPE_KEY)
    service = request.app.state.service_spec.name
    if not client_scopes.permits(granted, service, request.method, declared):
        needed = " or ".join(client_scopes.required(service, request.method, declared))
        raise forbidden(f"the token's scope does not cover this operation (needs {needed})")


CurrentActor = Annotated[Actor, Depends(current_actor)]
