"""Per-region configuration (`region_settings`): the most specific division on the path wins.

Durations, spot-check rates and thresholds differ between provinces and counties, so none of them is a
constant in code; the nation row (000000000000) carries the defaults. The poverty and monitoring lines are
no region settings: they are the registry's standards (`standards`).

Every value is checked against its key's rule when written (`settings_rules`). Rows written before the
rules existed may still hold anything, so the typed readers check again: a value that breaks its rule is
skipped with a warning and the next less specific division's value (or the default) is used, never a 500.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit import divisions
from identification import settings_rules
from identification.models import region_settings

log = logging.getLogger(__name__)
MIN_RISK_CLEARANCE_MONTHS = settings_rules.MIN_RISK_CLEARANCE_MONTHS


def chain(division: str) -> list[str]:
    """The division and its ancestors, most specific first; a statistical grouping, which holds no settings,
    passed over."""
    return divisions.government_chain(division)


async def _values(session: AsyncSession, division: str, key: str) -> list[tuple[str, str]]:
    """(division, value) on the path, most specific first."""
    path = chain(division)
    rows = await session.execute(
        select(region_settings.c.division, region_settings.c.value).where(
            region_settings.c.key == key, region_settings.c.division.in_(path)
        )
    )
    found = {row.division: str(row.value) for row in rows}
    return [(code, found[code]) for code in path if code in found]


async def get(session: AsyncSession, division: str, key: str) -> str | None:
    """The raw effective value, as stored (for the settings API)."""
    values = await _values(session, division, key)
    return values[0][1] if values else None


async def number(session: AsyncSession, division: str, key: str) -> Decimal | None:
    """The effective value of a numeric key that satisfies its rule, or None if no division has one."""
    for code, value in await _values(session, division, key):
        try:
            return settings_rules.parse(key, value)
        except settings_rules.InvalidSetting as exc:
            log.warning("region setting %s of %s ignored: %s", key, code, exc)
    return None


async def decimal(session: AsyncSession, division: str, key: str, default: str) -> Decimal:
    value = await number(session, division, key)
    return Decimal(default) if value is None else value


async def decimals(
    session: AsyncSession, division_codes: list[str], key: str, default: str
) -> dict[str, Decimal]:
    """`decimal` for many divisions at once (one query): each division's effective value of the key."""
    codes = {code for division in division_codes for code in chain(division)}
    rows = await session.execute(
        select(region_settings.c.division, region_settings.c.value).where(
            region_settings.c.key == key, region_settings.c.division.in_(codes)
        )
    )
    found = {row.division: str(row.value) for row in rows}
    result: dict[str, Decimal] = {}
    for division in division_codes:
        result[division] = Decimal(default)
        for code in chain(division):
            if code not in found:
                continue
            try:
                result[division] = settings_rules.parse(key, found[code])
                break
            except settings_rules.InvalidSetting as exc:
                log.warning("region setting %s of %s ignored: %s", key, code, exc)
    return result


async def put(session: AsyncSession, division: str, key: str, value: str, actor: str) -> None:
    stmt = insert(region_settings).values(division=division, key=key, value=value, updated_by=actor)
    await session.execute(
        stmt.on_conflict_do_update(
            constraint="pk_region_settings",
            set_={"value": stmt.excluded.value, "updated_by": actor, "updated_at": stmt.excluded.updated_at},
        )
    )
