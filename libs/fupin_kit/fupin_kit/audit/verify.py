"""Walk the audit chain in seq order, recompute every hash, and name the first row that does not match."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.audit import repository
from fupin_kit.audit.chain import GENESIS, AuditEntry, chain_hash

BATCH = 5_000


class ChainReport(BaseModel):
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    last_seq: int | None = None
    reason: str | None = None


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        division=row.division,
        detail=row.detail,
        at=row.at,
    )


async def verify_chain(session: AsyncSession, batch: int = BATCH) -> ChainReport:
    """A row is bad when it does not name its predecessor's hash (a row deleted or inserted before it)
    or when its own hash does not match its content (a row edited)."""
    previous = GENESIS
    checked = 0
    after = 0
    while True:
        rows = await repository.rows_after(session, after, batch)
        if not rows:
            return ChainReport(ok=True, checked=checked, last_seq=after or None)
        for row in rows:
            if row.prev_hash != previous:
                return ChainReport(
                    ok=False, checked=checked, first_bad_seq=row.seq, reason="does not follow its predecessor"
                )
            if row.hash != chain_hash(previous, _entry(row)):
                return ChainReport(
                    ok=False, checked=checked, first_bad_seq=row.seq, reason="content does not match its hash"
                )
            previous = row.hash
            checked += 1
            after = row.seq
