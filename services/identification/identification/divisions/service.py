"""Division names and existence for identification's use cases, from what it holds or else the registry.

A division once confirmed by the registry is known here: a quota's division is not asked about again, and a
notice's village keeps its names for the board. Names are refreshed when a notice is opened on names older
than REFRESH_AFTER (divisions are renamed and merged now and then, never often)."""

from __future__ import annotations

import datetime as dt
import logging

from identification.context import Context
from identification.divisions import repository
from identification.divisions.place import place
from identification.divisions.registry import Lookup, RegistryView

log = logging.getLogger(__name__)
REFRESH_AFTER = dt.timedelta(days=30)


async def _keep(ctx: Context, lookup: Lookup) -> None:
    chain = lookup.chain
    await repository.save(
        ctx.session,
        [
            {
                "code": node.code,
                "name": node.name,
                "level": node.level,
                "place": place(chain[: index + 1]),
                "fetched_at": ctx.now,
            }
            for index, node in enumerate(chain)
        ],
    )


async def exists(ctx: Context, registry: RegistryView, code: str) -> bool | None:
    """Whether `code` names a division: True if known here or confirmed by the registry, False if the
    registry says there is none, None if nobody can say (the caller goes on)."""
    if await repository.get(ctx.session, code) is not None:
        return True
    lookup = await registry.lookup(code)
    if lookup.found:
        await _keep(ctx, lookup)
    return lookup.found


async def capture(ctx: Context, registry: RegistryView, code: str) -> None:
    """Make sure the names of `code` (and the divisions above it) are held for public documents. Never
    fails: without an answer the documents show what is held, or the code."""
    held = await repository.get(ctx.session, code)
    if held is not None and ctx.now - held["fetched_at"] < REFRESH_AFTER:
        return
    lookup = await registry.lookup(code)
    if lookup.found:
        await _keep(ctx, lookup)
    elif held is None:
        log.warning("division %s has no name here: its notice documents show its code", code)
