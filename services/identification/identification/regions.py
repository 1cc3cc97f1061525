"""Per-region configuration (`region_settings`): the most specific division on the path wins.

Durations, spot-check rates, thresholds and poverty lines differ between provinces and counties, so none
of them is a constant in code; the nation row (000000000000) carries the defaults.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit import divisions
from identification.models import region_settings


def chain(division: str) -> list[str]:
    """The division and its ancestors, most specific first."""
    codes: list[str] = []
    current: str | None = division
    while current is not None:
        codes.append(current)
        current = divisions.parent(current)
    return codes


async def get(session: AsyncSession, division: str, key: str) -> str | None:
    path = chain(division)
    rows = await session.execute(
        select(region_settings.c.division, region_settings.c.value).where(
            region_settings.c.key == key, region_settings.c.division.in_(path)
        )
    )
    found = {row.division: row.value for row in rows}
    for code in path:
        if code in found:
            return str(found[code])
    return None


async def decimal(session: AsyncSession, division: str, key: str, default: str) -> Decimal:
    value = await get(session, division, key)
    return Decimal(value if value is not None else default)


async def put(session: AsyncSession, division: str, key: str, value: str, actor: str) -> None:
    stmt = insert(region_settings).values(division=division, key=key, value=value, updated_by=actor)
    await session.execute(
        stmt.on_conflict_do_update(
            constraint="pk_region_settings",
            set_={"value": stmt.excluded.value, "updated_by": actor, "updated_at": stmt.excluded.updated_at},
        )
    )
