"""Use cases of the exports: jurisdiction and level checks, and reading a subtree page by page.

Bulk exports read in their own REPEATABLE READ transaction, so both sheets of a register (or every page
of a county archive) come from one consistent snapshot even while cadres keep editing, and so a streamed
response can go on reading after the request's own unit of work has closed.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fupin_kit import divisions
from fupin_kit.auth.actor import Actor
from fupin_kit.pii import PiiCipher
from fupin_kit.problems import not_found, unprocessable
from registry.divisions import repository as division_repository
from registry.exports import repository
from registry.exports.columns import JOIN_DAY_WITHHELD, Disclosure
from registry.households import birth_days
from registry.households import repository as household_repository

Row = dict[str, Any]
PAGE_SIZE = 500
INCOME_YEARS = 3
EXPORT_NAMES: dict[divisions.Level, str] = {
    divisions.Level.VILLAGE: "村册 (village register)",
    divisions.Level.TOWNSHIP: "乡簿 (township book)",
    divisions.Level.COUNTY: "县档 (county archive)",
}


@dataclass(frozen=True)
class Scope:
    """The division an export covers, already checked against the caller's jurisdiction and level."""

    code: str
    name: str
    level: divisions.Level

    @property
    def range(self) -> tuple[str, str]:
        return divisions.subtree_range(self.code)


@dataclass
class HouseholdFile:
    household: Row
    members: list[Row] = field(default_factory=list)
    income: Row | None = None  # the record of the household's income_year (its latest), if any


@dataclass(frozen=True)
class Card:
    """Everything the household card shows."""

    household: Row
    members: list[Row]
    incomes: list[Row]
    division_names: list[str]


def disclosure(actor: Actor, cipher: PiiCipher) -> Disclosure:
    return Disclosure(cipher=cipher, full=actor.sees_full_identity)


async def scope(session: AsyncSession, actor: Actor, code: str, wanted: divisions.Level) -> Scope:
    """404 outside the caller's subtree (as for anything that does not exist), 422 for the wrong level."""
    lo, hi = actor.subtree
    node = await division_repository.get_node(session, code, lo, hi)
    if node is None:
        raise not_found("division")
    level = divisions.Level(node["level"])
    # 东莞, 中山, 儋州 have no counties: the city itself keeps the county's files.
    countyless = wanted is divisions.Level.COUNTY and code in divisions.COUNTYLESS_CITIES
    if level is not wanted and not countyless:
        raise unprocessable(
            f"{code} is a {divisions.TIER_NAMES[level]}; the {EXPORT_NAMES[wanted]} "
            f"is exported for a {divisions.TIER_NAMES[wanted]}"
        )
    return Scope(code=code, name=str(node["name"]), level=level)


@asynccontextmanager
async def snapshot_session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        try:
            yield session
        finally:
            await session.rollback()  # read only: nothing to keep


async def household_files(
    session: AsyncSession, lo: str, hi: str, page_size: int | None = None
) -> AsyncIterator[list[HouseholdFile]]:
    """Households of [lo, hi] with their members and current income record, one keyset page at a time, in
    (division, id) order."""
    page_size = page_size or PAGE_SIZE
    after: tuple[str, uuid.UUID] | None = None
    while True:
        page = await repository.household_page(session, lo, hi, after, page_size)
        if not page:
            return
        ids = [row["id"] for row in page]
        by_household: dict[uuid.UUID, list[Row]] = defaultdict(list)
        for member in await repository.members_of(session, ids):
            by_household[member["household_id"]].append(member)
        for household_members in by_household.values():
            # Above the county a join on a day a member joined in infancy is withheld (birth_days).
            withheld = birth_days.withheld_join_days(household_members)
            for member in household_members:
                member[JOIN_DAY_WITHHELD] = birth_days.disclosed_join_day(member, withheld) is None
        income = {row["household_id"]: row for row in await repository.current_incomes(session, ids)}
        yield [HouseholdFile(row, by_household[row["id"]], income.get(row["id"])) for row in page]
        if len(page) < page_size:
            return
        after = (page[-1]["division"], page[-1]["id"])


async def village_names(session: AsyncSession, scope: Scope) -> dict[str, str]:
    lo, hi = scope.range
    return await repository.names_in(session, lo, hi, divisions.Level.VILLAGE)


def full_name(chain: list[Row]) -> list[str]:
    """Names from the province down, without statistical groupings (市辖区) that are no real place, nor a
    name that only repeats the one above it (嘉峪关市's one district is 嘉峪关市: QA10 Q2-2)."""
    names: list[str] = []
    for row in chain:
        name = str(row["name"])
        if not row["placeholder"] and (not names or names[-1] != name):
            names.append(name)
    return names


async def card(session: AsyncSession, actor: Actor, household_id: uuid.UUID) -> Card:
    lo, hi = actor.subtree
    household = await household_repository.get_household(session, household_id, lo, hi)
    if household is None:
        raise not_found("household")
    return Card(
        household=household,
        members=await household_repository.household_members(session, household_id),
        incomes=await repository.latest_incomes(session, household_id, INCOME_YEARS),
        division_names=full_name(await repository.chain(session, household["division"])),
    )


async def township_villages(session: AsyncSession, scope: Scope) -> list[Row]:
    return await repository.children(session, scope.code)


async def village_counts(session: AsyncSession, scope: Scope) -> list[Row]:
    lo, hi = scope.range
    return await repository.counts_by_village(session, lo, hi)
