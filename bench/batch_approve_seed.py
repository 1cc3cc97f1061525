"""All SQL of the batch-approve benchmark's seed: set-based, one statement per table, so seeding 100,000
cases costs seconds and never a query per case. The rows are the state the procedure leaves them in
just before the county approval (second notice closed), as the real steps would have written them."""

from __future__ import annotations

import gzip
from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.settings import repository_root

DIVISIONS_FILE = repository_root() / "services" / "registry" / "registry" / "data" / "divisions-2023.csv.gz"


def villages_of(county: str) -> list[str]:
    """The current village codes of a county, from the registry's published division file."""
    return villages_with_prefix(county[:6])


def villages_with_prefix(prefix: str) -> list[str]:
    """Current village codes under a division prefix, from the registry's published division file."""
    found: list[str] = []
    with gzip.open(DIVISIONS_FILE, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith(prefix):
                code, _name, level, _parent = line.rstrip("\n").split(",", 3)
                if level == "village":
                    found.append(code)
    return found


SEED_CASES = text(
    """
    WITH households AS (
        INSERT INTO rm_households (household_id, division, status, head_name_masked, main_cause, member_count)
        SELECT gen_random_uuid(), (CAST(:villages AS text[]))[1 + g % :village_count], 'candidate', '张*',
               'illness', :members
        FROM generate_series(0, :cases - 1) AS g
        RETURNING household_id, division
    ),
    -- The year's per-capita net income below the poverty line, as the registry's income event leaves it:
    -- the approval applies the identification test (cases.income_test).
    incomes AS (
        INSERT INTO rm_incomes (household_id, year, per_capita_net_income)
        SELECT household_id, :year, 2500 FROM households
    )
    INSERT INTO cases (id, kind, household_id, division, year, state, active, version, authorisation,
                       opened_by, opened_at, updated_at)
    SELECT gen_random_uuid(), 'identification', household_id, division, :year, 'second_noticed', true, 10,
           '{"signed": true}'::jsonb, 'user:bench.cadre', now() - interval '30 days', now() - interval '1 day'
    FROM households
    """
)

SEED_QUOTAS = text(
    """
    INSERT INTO quotas (division, year, amount, set_by)
    SELECT unnest(CAST(:divisions AS text[])), :year, :amount, 'bench'
    ON CONFLICT (division, year) DO UPDATE SET amount = excluded.amount
    """
)


async def current_year(session: AsyncSession) -> int:
    """The year of the service clock (the database's), which the cases and quotas are for."""
    return int((await session.execute(text("SELECT extract(year FROM now())::int"))).scalar_one())


# Members per seeded household: a quota is of people (domain.md §3), so the quotas hold cases × this.
MEMBERS = 3


async def seed_cases(session: AsyncSession, villages: Sequence[str], cases: int, year: int) -> None:
    await session.execute(
        SEED_CASES,
        {
            "villages": list(villages),
            "village_count": len(villages),
            "cases": cases,
            "year": year,
            "members": MEMBERS,
        },
    )


async def seed_quotas(session: AsyncSession, divisions: Sequence[str], year: int, amount: int) -> None:
    await session.execute(SEED_QUOTAS, {"divisions": list(divisions), "year": year, "amount": amount})


async def analyze(session: AsyncSession) -> None:
    """Fresh statistics, as autovacuum would have after the real procedure wrote these rows."""
    for table in ("rm_households", "rm_incomes", "cases", "quotas"):
        await session.execute(text(f"ANALYZE {table}"))


async def count_in_state(session: AsyncSession, state: str) -> int:
    result = await session.execute(text("SELECT count(*) FROM cases WHERE state = :state"), {"state": state})
    return int(result.scalar_one())


async def count_events(session: AsyncSession, event_type: str) -> int:
    result = await session.execute(
        text("SELECT count(*) FROM outbox WHERE type = :type"), {"type": event_type}
    )
    return int(result.scalar_one())


async def count_history(session: AsyncSession, batch_id: str) -> int:
    result = await session.execute(
        text("SELECT count(*) FROM case_history WHERE batch_id = CAST(:batch AS uuid)"), {"batch": batch_id}
    )
    return int(result.scalar_one())
