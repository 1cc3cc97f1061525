"""A household's place as its created event carries it: the names of its village and of every division
above it, province first (contracts.DivisionNameV1), from the registry's own tree.

Other services keep no tree and may not ask the registry on a write path (architecture.md §1), so the
names travel with the event. They are looked up once per village for a request or an import (one query for
all of an import's villages), never once per household.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_contracts import registry as contracts
from fupin_kit.divisions import Level
from registry.divisions import repository

Place = list[contracts.DivisionNameV1]


def chains(nodes: Iterable[dict[str, Any]]) -> dict[str, Place]:
    """Each village among `nodes` → its chain province … village, by the parent links among `nodes`."""
    by_code = {node["code"]: node for node in nodes}
    names = {
        code: contracts.DivisionNameV1(code=code, division_name=node["name"], placeholder=node["placeholder"])
        for code, node in by_code.items()
    }
    places: dict[str, Place] = {}
    for code, node in by_code.items():
        if node["level"] != Level.VILLAGE:
            continue
        chain = []
        at: dict[str, Any] | None = node
        while at is not None:
            chain.append(names[at["code"]])
            at = by_code.get(at["parent_code"]) if at["parent_code"] else None
        places[code] = chain[::-1]
    return places


async def of_villages(session: AsyncSession, lo: str, hi: str) -> dict[str, Place]:
    """The place of every current village in [lo, hi] (an importer's subtree); empty while the tree is not
    loaded."""
    return chains(await repository.villages_and_above(session, lo, hi))


async def of_village(session: AsyncSession, code: str) -> Place | None:
    """The place of one village; None when it is not a current village of the tree (or none is loaded)."""
    return (await of_villages(session, code, code)).get(code)
