"""Request dependencies shared by the routers: the use-case context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from evaluation.context import Context
from fupin_kit.auth.dependencies import CurrentActor
from fupin_kit.db import DbSession


async def context(actor: CurrentActor, session: DbSession) -> Context:
    return Context(session=session, actor=actor)


Ctx = Annotated[Context, Depends(context)]
