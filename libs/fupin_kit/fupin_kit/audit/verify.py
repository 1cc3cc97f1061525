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
    # The head: record it (with last_seq) somewhere the database's writers cannot reach, and pass it back
    # as `expect` later; rows deleted from the end then no longer verify as an intact, shorter chain.
    last_hash: str | None = None
    reason: str | None = None


class Head(BaseModel):
    """A head recorded earlier: the chain must still hold this row, with this hash."""

    seq: int
    hash: str


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        division=row.division,
        detail=row.detail,
        at=row.at,
    )


async def verify_chain(session: AsyncSession, batch: int = BATCH, expect: Head | None = None) -> ChainReport:
    """A row is bad when it does not name its predecessor's hash (a row deleted or inserted before it)
    or when its own hash does not match its content (a row edited). With `expect` (a head recorded
    earlier), a chain that no longer reaches that row with that hash is broken there too: the rows after
    the last one left were deleted, or the chain was rewritten from some row on."""
    previous = GENESIS
    checked = 0
    after = 0
    while True:
        rows = await repository.rows_after(session, after, batch)
        if not rows:
            if expect is not None and after < expect.seq:
                return ChainReport(
                    ok=False,
                    checked=checked,
                    first_bad_seq=after + 1,
                    last_seq=after or None,
                    last_hash=None if after == 0 else previous,
                    reason=f"the chain ends at seq {after}, before the recorded head {expect.seq}: rows deleted",
                )
            return ChainReport(
                ok=True, checked=checked, last_seq=after or None, last_hash=None if after == 0 else previous
            )
        for row in rows:
            if (
                expect is not None
                and after < expect.seq <= row.seq
                and (row.seq, row.hash)
                != (
                    expect.seq,
                    expect.hash,
                )
            ):
                return ChainReport(
                    ok=False,
                    checked=checked,
                    first_bad_seq=row.seq,
                    reason="differs from the recorded head: the chain was rewritten up to here",
                )
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
