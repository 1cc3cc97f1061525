"""FastAPI dependencies: the verified Actor of the request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from fupin_kit.auth.actor import Actor
from fupin_kit.auth.tokens import TokenVerifier, bearer_token


async def current_actor(request: Request) -> Actor:
    verifier: TokenVerifier = request.app.state.token_verifier
    actor = await verifier.verify(bearer_token(request.headers.get("authorization")))
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
