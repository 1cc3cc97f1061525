"""All SQL of the dashboard benchmark: households seeded set-based over a real province's villages (one
INSERT … SELECT generate_series, so the counters' statement trigger sees them as one bulk write, as an
import would), and the direct aggregate over `households` that the counters replace, as a reference."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# A realistic mix: most files registered or exited, a few candidates and monitored households.
SEED_HOUSEHOLDS = text(
    """
    INSERT INTO households (id, division, village_group, address, head_name, identification_standard,
                            attribute, main_cause, status, member_count)
    SELECT gen_random_uuid(),
           (CAST(:villages AS text[]))[1 + (g::bigint * 7919) % :village_count],
           '一组', '村委会旁', '张*', 'national',
           (ARRAY['general', 'dibao', 'wubao', 'general'])[1 + g % 4],
           (ARRAY['illness', 'disability', 'schooling', 'lack_capital', 'lack_labour'])[1 + g % 5],
           (ARRAY['registered', 'exited', 'exited', 'registered', 'candidate', 'monitored'])[1 + g % 6],
           1 + g % 6
    FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g
    """
)

# What /households/counts did before the counters: every household of the subtree, grouped.
DIRECT_SCAN = text(
    """
    SELECT substr(division, 1, :length) AS prefix, status, count(*) AS households,
           sum(member_count) AS people
    FROM households WHERE division BETWEEN :lo AND :hi
    GROUP BY 1, 2
    """
)


async def seed_households(session: AsyncSession, villages: Sequence[str], first: int, count: int) -> None:
    """Households number `first` … `first + count - 1` (the caller commits per chunk, as imports do)."""
    await session.execute(
        SEED_HOUSEHOLDS,
        {
            "villages": list(villages),
            "village_count": len(villages),
            "first": first,
            "last": first + count - 1,
        },
    )


async def analyze(session: AsyncSession) -> None:
    for table in ("households", "household_counts"):
        await session.execute(text(f"ANALYZE {table}"))


async def counted(session: AsyncSession) -> tuple[int, int]:
    """(households in the table, households according to the counters): they must agree."""
    row = (
        await session.execute(
            text(
                "SELECT (SELECT count(*) FROM households), "
                "(SELECT coalesce(sum(households), 0) FROM household_counts)"
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def direct_scan(session: AsyncSession, lo: str, hi: str, length: int) -> int:
    rows = await session.execute(DIRECT_SCAN, {"lo": lo, "hi": hi, "length": length})
    return len(rows.all())
