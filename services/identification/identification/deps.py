"""Request dependencies shared by the routers: the use-case context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from fupin_kit.auth.dependencies import CurrentActor
from fupin_kit.db import DbSession
from identification import clock
from identification.context import Context
from identification.divisions.registry import RegistryView


async def context(actor: CurrentActor, session: DbSession) -> Context:
    return Context(session=session, actor=actor, now=await clock.now(session))


Ctx = Annotated[Context, Depends(context)]


async def registry(request: Request) -> RegistryView:
    """The registry's division API as this request may ask it: with the caller's own token."""
    return RegistryView(
        getattr(request.app.state, "registry_divisions", None), request.headers.get("authorization")
    )


Registry = Annotated[RegistryView, Depends(registry)]
