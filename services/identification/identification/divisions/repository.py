"""All SQL of the division names identification keeps from the registry's household events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

Row = dict[str, Any]

# Rows whose names are already held as given are filtered out before the insert: a county's every household
# event carries the same province, city and county, and an upsert of an unchanged row would still lock it
# (serialising concurrent consumers on the province's row) and write a new version of it. What is left is
# inserted in code order, so concurrent consumers lock rows in one order. A row named by an older event
# than the one held is left as it is: events of different households may arrive out of order.
_SAVE = text(
    """
    INSERT INTO rm_division_names (code, name, parent_code, placeholder, named_at)
    SELECT v.code, v.name, v.parent_code, v.placeholder, :named_at
    FROM unnest(CAST(:codes AS varchar[]), CAST(:names AS text[]), CAST(:parents AS varchar[]),
                CAST(:placeholders AS boolean[])) AS v(code, name, parent_code, placeholder)
    WHERE NOT EXISTS (
        SELECT 1 FROM rm_division_names d
        WHERE d.code = v.code AND d.name = v.name AND d.parent_code IS NOT DISTINCT FROM v.parent_code
          AND d.placeholder = v.placeholder)
    ORDER BY v.code
    ON CONFLICT (code) DO UPDATE
    SET name = excluded.name, parent_code = excluded.parent_code, placeholder = excluded.placeholder,
        named_at = excluded.named_at, updated_at = now()
    WHERE rm_division_names.named_at <= excluded.named_at
    """
)

# Each code's chain up the parent links, the code itself first (at most six levels: nation to village).
_CHAINS = text(
    """
    WITH RECURSIVE chain AS (
        SELECT d.code AS start, d.code, d.name, d.parent_code, d.placeholder, 0 AS hop
        FROM rm_division_names d WHERE d.code = ANY(CAST(:codes AS varchar[]))
        UNION ALL
        SELECT chain.start, p.code, p.name, p.parent_code, p.placeholder, chain.hop + 1
        FROM rm_division_names p JOIN chain ON p.code = chain.parent_code
        WHERE chain.hop < 6
    )
    SELECT start, code, name, placeholder FROM chain ORDER BY start, hop DESC
    """
)


async def save(session: AsyncSession, chain: Sequence[Row], named_at: dt.datetime) -> None:
    """Keep the names of a chain (code, name, parent_code, placeholder), inserted or refreshed."""
    if not chain:
        return
    await session.execute(
        _SAVE,
        {
            "codes": [row["code"] for row in chain],
            "names": [row["name"] for row in chain],
            "parents": [row["parent_code"] for row in chain],
            "placeholders": [row["placeholder"] for row in chain],
            "named_at": named_at,
        },
    )


async def chains(session: AsyncSession, codes: Sequence[str]) -> dict[str, list[Row]]:
    """code → its chain root first, the code last (code, name, placeholder), for the codes held; one query
    for all of them."""
    if not codes:
        return {}
    found: dict[str, list[Row]] = {}
    for row in (await session.execute(_CHAINS, {"codes": sorted(set(codes))})).mappings():
        found.setdefault(row["start"], []).append(
            {"code": row["code"], "name": row["name"], "placeholder": row["placeholder"]}
        )
    return found
