"""Division names for identification's public documents, learnt from the registry's household events.

Identification keeps no division tree, and asking the registry for names while a notice is written would
be a synchronous call between services on a write path (architecture.md §1). The registry's
household.created.v1 carries the household's place instead (its village and every division above it); the
read model keeps those names, and a notice reads them. A village no event has named (households created
before events carried places) has no names here: its documents show its code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_contracts import registry as contracts
from identification.divisions import repository
from identification.divisions.place import place


@dataclass(frozen=True)
class Names:
    name: str  # the division's own name: 纪念塔社区
    place: str  # with its county and township: 南明区新华路街道纪念塔社区


async def learn(session: AsyncSession, chain: Sequence[contracts.DivisionNameV1], at: dt.datetime) -> None:
    """Keep the names of a household's place (province first), each linked to the division before it."""
    await repository.save(
        session,
        [
            {
                "code": division.code,
                "name": division.division_name,
                "parent_code": chain[index - 1].code if index else None,
                "placeholder": division.placeholder,
            }
            for index, division in enumerate(chain)
        ],
        at,
    )


async def names(session: AsyncSession, codes: Sequence[str]) -> dict[str, Names]:
    """The names held for these codes (one query); a code without names is absent."""
    return {
        code: Names(chain[-1]["name"], place(chain))
        for code, chain in (await repository.chains(session, codes)).items()
    }
