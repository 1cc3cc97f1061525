"""All SQL of the audit chain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.audit.chain import CHAIN_LOCK_KEY, GENESIS
from fupin_kit.infra_tables import audit_log


async def lock_chain_head(session: AsyncSession) -> str:
    """Take the chain lock for this transaction and return the last committed hash (or the genesis)."""
    await session.execute(select(func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))
    # Under READ COMMITTED each statement sees every commit made before it, so once the lock is held
    # this is the true head: the previous holder committed (or rolled back) before releasing it.
    head = await session.scalar(select(audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1))
    return head or GENESIS


async def insert_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    # An executemany inserts in list order, so identity values (seq) follow chain order.
    await session.execute(insert(audit_log), list(rows))


async def rows_after(session: AsyncSession, after_seq: int, limit: int) -> Sequence[Any]:
    result = await session.execute(
        select(audit_log).where(audit_log.c.seq > after_seq).order_by(audit_log.c.seq).limit(limit)
    )
    return result.all()
